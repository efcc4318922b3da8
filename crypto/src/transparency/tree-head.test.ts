import { PrivateKey } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { TestAuthority } from '../certificates/authority.testkit';
import { certificateLeafHash, rootHex, signTreeHead, verifyTreeHead } from './tree-head';
import { inclusionProof, rootOf, verifyInclusion } from './merkle';

const logKey = PrivateKey.generate();
const ca = new TestAuthority();
const org = ca.org('kela');
const maija = ca.professional(org, 'maija');
const laptop = ca.device(maija, 1);

describe('signed tree heads', () => {
  it('verify with the log key only, and not once any field changes', () => {
    const head = signTreeHead({ treeSize: 3, rootHash: 'a'.repeat(64), timestamp: 1_760_000_000_000 }, logKey);
    expect(verifyTreeHead(JSON.parse(JSON.stringify(head)), logKey.getPublicKey())).toEqual(head);
    expect(verifyTreeHead(head, PrivateKey.generate().getPublicKey())).toBeUndefined();
    expect(verifyTreeHead({ ...head, treeSize: 4 }, logKey.getPublicKey())).toBeUndefined();
    expect(verifyTreeHead({ ...head, rootHash: 'b'.repeat(64) }, logKey.getPublicKey())).toBeUndefined();
    expect(verifyTreeHead({ ...head, timestamp: head.timestamp + 1 }, logKey.getPublicKey())).toBeUndefined();
    for (const bad of [null, 'x', {}, { ...head, extra: 1 }, { ...head, signature: 'AAAA' }]) expect(verifyTreeHead(bad, logKey.getPublicKey())).toBeUndefined();
  });
});

describe('certificate leaves', () => {
  it('prove a certificate in a tree of certificates; another certificate does not pass as it', () => {
    const leaves = [org.cert, maija.cert, laptop.cert].map(certificateLeafHash);
    const root = rootOf(leaves);
    const head = signTreeHead({ treeSize: 3, rootHash: rootHex(root), timestamp: 1 }, logKey);
    expect(verifyInclusion(certificateLeafHash(maija.cert), 1, head.treeSize, inclusionProof(1, leaves), root)).toBe(true);
    expect(verifyInclusion(certificateLeafHash(ca.device(maija, 2).cert), 1, 3, inclusionProof(1, leaves), root)).toBe(false);
  });
});
