import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../bytes';
import { TestAuthority } from '../certificates/authority.testkit';
import { certificateLeafHash, rootHex, signTreeHead, verifyTreeHead } from './tree-head';
import { generateLogKey, logPublicKey, logPublicKeyBase64 } from './log-key';
import { inclusionProof, rootOf, verifyInclusion } from './merkle';

const logKey = generateLogKey();
const publicKey = logPublicKey(logKey);
const ca = new TestAuthority();
const org = ca.org('kela');
const maija = ca.professional(org, 'maija');
const laptop = ca.device(maija, 1);

describe('signed tree heads', () => {
  it('verify with the log key only (raw or base64), and not once any field changes', () => {
    const head = signTreeHead({ treeSize: 3, rootHash: 'a'.repeat(64), timestamp: 1_760_000_000_000 }, logKey);
    expect(verifyTreeHead(JSON.parse(JSON.stringify(head)), publicKey)).toEqual(head);
    expect(verifyTreeHead(head, logPublicKeyBase64(logKey))).toEqual(head);
    expect(verifyTreeHead(head, logPublicKey(generateLogKey()))).toBeUndefined();
    expect(verifyTreeHead({ ...head, treeSize: 4 }, publicKey)).toBeUndefined();
    expect(verifyTreeHead({ ...head, rootHash: 'b'.repeat(64) }, publicKey)).toBeUndefined();
    expect(verifyTreeHead({ ...head, timestamp: head.timestamp + 1 }, publicKey)).toBeUndefined();
    for (const bad of [null, 'x', {}, { ...head, extra: 1 }, { ...head, signature: 'AAAA' }, { ...head, signature: toBase64(new Uint8Array(64)) }]) {
      expect(verifyTreeHead(bad, publicKey)).toBeUndefined();
    }
  });

  it('never throws on a hostile key or value', () => {
    const head = signTreeHead({ treeSize: 0, rootHash: 'e'.repeat(64), timestamp: 0 }, logKey);
    for (const key of [new Uint8Array(0), new Uint8Array(33), 'not base64', '', toBase64(new Uint8Array(31))]) expect(verifyTreeHead(head, key)).toBeUndefined();
    const trap = new Proxy({}, { get: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });
    expect(verifyTreeHead(trap, publicKey)).toBeUndefined();
    expect(verifyTreeHead(head, trap as unknown as Uint8Array)).toBeUndefined();
  });

  it('are Ed25519 signatures another Ed25519 implementation checks', async () => {
    const head = signTreeHead({ treeSize: 1, rootHash: 'c'.repeat(64), timestamp: 5 }, logKey);
    const { verify } = await import('node:crypto');
    const bytes = Buffer.from(`yhteispoyta/tree-head/v1\n{"rootHash":"${'c'.repeat(64)}","timestamp":5,"treeSize":1}`);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
    expect(verify(null, bytes, { key: spki, format: 'der', type: 'spki' }, Buffer.from(head.signature, 'base64'))).toBe(true);
    // A key of another curve is not a log key.
    expect(verifyTreeHead(head, generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12))).toBeUndefined();
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
