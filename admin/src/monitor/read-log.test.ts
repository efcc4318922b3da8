import { describe, expect, it } from 'vitest';
import { toHex } from '@yhteispoyta/crypto/bytes';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';
import type { LogEntriesResponse, LogResponse } from '@yhteispoyta/crypto/protocol';
import { signLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import type { LogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { generateLogKey, logKeyFingerprint, logPublicKey, logPublicKeyBase64 } from '@yhteispoyta/crypto/transparency/log-key';
import type { LogSigningKey } from '@yhteispoyta/crypto/transparency/log-key';
import { MerkleTree } from '@yhteispoyta/crypto/transparency/merkle-tree';
import { certificateLeafHash, signTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import { readVerifiedLog } from './read-log';
import type { LogReader, RememberedHead } from './read-log';

const NOW = Date.now();
const ca = new TestAuthority(NOW);
const org = ca.org('kela');
const people = Array.from({ length: 5 }, (_, i) => ca.professional(org, `p${i}`).cert);
const LOG: Certificate[] = [org.cert, ...people];

/** A server's log of `certificates`: honest unless a test changes what it serves. */
class FakeLog implements LogReader {
  key: LogSigningKey = generateLogKey();
  certificate: LogCertificate | null;
  certificates: Certificate[];
  /** what the entries route serves instead of the truth */
  served: ((entries: LogEntriesResponse['entries']) => LogEntriesResponse['entries']) | undefined;
  pageSizes: number[] = [];

  constructor(certificates: readonly Certificate[]) {
    this.certificates = [...certificates];
    this.certificate = this.certify(ca);
  }

  certify(by: TestAuthority, window = { notBefore: NOW - 1000, notAfter: NOW + 100_000 }): LogCertificate {
    return signLogCertificate({ t: 'log', v: 1, logKey: logPublicKeyBase64(this.key), ...window }, by.root.priv);
  }

  head(size = this.certificates.length): SignedTreeHead {
    const tree = new MerkleTree();
    for (const c of this.certificates.slice(0, size)) tree.append(certificateLeafHash(c));
    return signTreeHead({ treeSize: size, rootHash: toHex(tree.root()), timestamp: NOW }, this.key);
  }

  async getLog(): Promise<LogResponse> {
    return { logKey: logPublicKeyBase64(this.key), certificate: this.certificate, head: this.head() };
  }

  async entries(start: number, count: number): Promise<LogEntriesResponse> {
    this.pageSizes.push(count);
    const entries = this.certificates.slice(start, start + count).map((certificate, i) => ({ index: start + i, certificate }));
    return { head: this.head(), entries: this.served === undefined ? entries : this.served(entries) };
  }
}

const remembered = (head: SignedTreeHead): RememberedHead => ({ treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp });

describe('reading the whole log', () => {
  it('verifies an honest log: certified key, signed head, entries hashing to its root, consistent with an earlier head', async () => {
    const log = new FakeLog(LOG);
    const earlier = remembered(log.head(3));
    const result = await readVerifiedLog(log, ca.root.b64, NOW, earlier);
    expect(result).toMatchObject({ ok: true, head: { treeSize: LOG.length }, logKeyFingerprint: logKeyFingerprint(logPublicKey(log.key)), certifiedUntil: NOW + 100_000 });
    expect(result.ok && result.entries.map((e) => e.certificate)).toEqual(LOG);
    expect((await readVerifiedLog(new FakeLog([]), ca.root.b64, NOW)).ok).toBe(true);
  });

  it('refuses a log key the root did not certify, or not now, or a certificate of another key', async () => {
    const log = new FakeLog(LOG);
    log.certificate = null;
    expect(await readVerifiedLog(log, ca.root.b64, NOW)).toMatchObject({ ok: false, code: 'uncertified_log' });
    log.certificate = log.certify(new TestAuthority(NOW));
    expect(await readVerifiedLog(log, ca.root.b64, NOW)).toMatchObject({ ok: false, code: 'uncertified_log' });
    log.certificate = log.certify(ca, { notBefore: NOW - 10_000, notAfter: NOW - 1 });
    expect(await readVerifiedLog(log, ca.root.b64, NOW)).toMatchObject({ ok: false, code: 'uncertified_log' });
    const other = new FakeLog(LOG);
    log.certificate = other.certificate;
    expect(await readVerifiedLog(log, ca.root.b64, NOW)).toMatchObject({ ok: false, code: 'uncertified_log' });
  });

  it('refuses a head the certified key did not sign', async () => {
    const log = new FakeLog(LOG);
    const honest = await log.getLog();
    const forged = { ...log.head(), treeSize: LOG.length - 1 };
    const reader: LogReader = { getLog: async () => ({ ...honest, head: forged }), entries: (start, count) => log.entries(start, count) };
    expect(await readVerifiedLog(reader, ca.root.b64, NOW)).toMatchObject({ ok: false, code: 'bad_head' });
    const otherKey = signTreeHead({ treeSize: 1, rootHash: toHex(certificateLeafHash(org.cert)), timestamp: NOW }, generateLogKey());
    const signedElsewhere: LogReader = { getLog: async () => ({ ...honest, head: otherKey }), entries: (start, count) => log.entries(start, count) };
    expect(await readVerifiedLog(signedElsewhere, ca.root.b64, NOW)).toMatchObject({ ok: false, code: 'bad_head' });
  });

  it('catches entries withheld, swapped or changed, and a log rewritten or cut since the head it verified before', async () => {
    const log = new FakeLog(LOG);
    log.served = (entries) => entries.filter((e) => e.index < 3);
    expect(await readVerifiedLog(log, ca.root.b64, NOW)).toMatchObject({ ok: false, code: 'missing_entries' });
    const rogue = ca.professional(org, 'rogue').cert;
    log.served = (entries) => entries.map((e) => (e.index === 2 ? { ...e, certificate: rogue } : e));
    expect(await readVerifiedLog(log, ca.root.b64, NOW)).toMatchObject({ ok: false, code: 'root_mismatch' });
    log.served = undefined;

    const before = remembered(log.head(4));
    log.certificates[1] = rogue;
    expect(await readVerifiedLog(log, ca.root.b64, NOW, before)).toMatchObject({ ok: false, code: 'rewritten' });
    log.certificates = LOG.slice(0, 3);
    expect(await readVerifiedLog(log, ca.root.b64, NOW, before)).toMatchObject({ ok: false, code: 'rewritten', detail: expect.stringContaining('fewer than the 4') as string });
  });

  it('reads a long log in pages of at most a thousand', async () => {
    const person = ca.professional(org, 'p0');
    const many = [org.cert, ...Array.from({ length: 2100 }, (_, i) => ca.device(person, (i % 127) + 1, { created: NOW + i }).cert)];
    const log = new FakeLog(many);
    expect((await readVerifiedLog(log, ca.root.b64, NOW)).ok).toBe(true);
    expect(log.pageSizes).toEqual([1000, 1000, 101]);
  });
});
