/**
 * Contract: the transparency log of stored certificates — every certificate stored gets
 * the next leaf in the same step, without gaps or duplicates also when stores race; the
 * leaves read back by range, as entries and by certificate id; certificates stored before
 * the log existed are appended once, in stored order; the log key's certificate is kept.
 */
import { describe, expect, it } from 'vitest';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { certificateId } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { signLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { generateLogKey, logPublicKeyBase64 } from '@yhteispoyta/crypto/transparency/log-key';
import { certificateLeafHash } from '@yhteispoyta/crypto/transparency/tree-head';
import type { ContractContext } from './context';

/** Certificates of one organisation: its own, people's, devices', a revocation. */
function certificates(people: number): Certificate[] {
  const ca = new TestAuthority();
  const org = ca.org('kela');
  const out: Certificate[] = [org.cert];
  for (let i = 0; i < people; i += 1) {
    const person = ca.professional(org, `user${i}`);
    out.push(person.cert, ca.device(person, 1).cert);
  }
  out.push(ca.revokeUser(org, ca.professional(org, 'leaver'), 1));
  return out;
}

const hex = (hashes: readonly Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));

/** Register the transparency log cases. */
export function describeLogContract({ store, inspector }: ContractContext): void {
  describe('transparency log', () => {
    it('appends each stored certificate once, as the next leaf, and reads leaves back by range, as entries and by id', async () => {
      const s = store();
      const log = s.certificates.log;
      expect(await log.size()).toBe(0);
      expect(await log.leafHashes(0, 10)).toEqual([]);
      expect(await log.entries(0, 10)).toEqual([]);
      const all = certificates(3);
      for (const [i, cert] of all.entries()) await s.certificates.putCertificate(cert, 100 + i);
      // Stored again: no second leaf.
      await s.certificates.putCertificate(all[2] as Certificate, 500);
      expect(await log.size()).toBe(all.length);
      expect(hex(await log.leafHashes(0, all.length))).toEqual(hex(all.map(certificateLeafHash)));
      expect(hex(await log.leafHashes(2, 5))).toEqual(hex(all.slice(2, 5).map(certificateLeafHash)));
      expect(await log.leafHashes(all.length, all.length + 5)).toEqual([]);
      expect(await log.entries(1, 3)).toEqual(all.slice(1, 4).map((certificate, i) => ({ index: i + 1, certificate })));
      expect(await log.entries(all.length - 1, 10)).toEqual([{ index: all.length - 1, certificate: all.at(-1) }]);
      const ids = all.map(certificateId);
      expect(await log.leafIndexes([ids[4] ?? '', ids[0] ?? '', 'f'.repeat(64)])).toEqual(new Map([[ids[4], 4], [ids[0], 0]]));
      expect(await log.leafIndexes([])).toEqual(new Map());
      expect(await log.appendUnlogged()).toBe(0);
    });

    it('concurrent stores of different certificates get distinct leaves without a gap', async () => {
      const s = store();
      const all = certificates(10);
      await Promise.all(all.map((cert, i) => s.certificates.putCertificate(cert, i)));
      await Promise.all(all.slice(0, 5).map((cert) => s.certificates.putCertificate(cert, 99)));
      const size = await s.certificates.log.size();
      expect(size).toBe(all.length);
      const entries = await s.certificates.log.entries(0, size);
      expect(entries.map((e) => e.index)).toEqual(all.map((_, i) => i));
      expect(new Set(entries.map((e) => certificateId(e.certificate)))).toEqual(new Set(all.map(certificateId)));
    });

    it('appends certificates stored before the log existed, once, in the order they were stored', async () => {
      const s = store();
      const all = certificates(2);
      for (const [i, cert] of all.entries()) await s.certificates.putCertificate(cert, 10 + i);
      await inspector.forgetLog(s);
      expect(await s.certificates.log.size()).toBe(0);
      expect(await s.certificates.log.appendUnlogged()).toBe(all.length);
      expect(await s.certificates.log.appendUnlogged()).toBe(0);
      expect((await s.certificates.log.entries(0, 100)).map((e) => e.certificate)).toEqual(all);
      const more = certificates(1);
      await s.certificates.putCertificate(more[1] as Certificate, 50);
      expect(await s.certificates.log.size()).toBe(all.length + 1);
    });

    it("keeps the root's certificate of each log key, the newest replacing the one before", async () => {
      const s = store();
      const ca = new TestAuthority();
      const key = logPublicKeyBase64(generateLogKey());
      const other = logPublicKeyBase64(generateLogKey());
      const first = signLogCertificate({ t: 'log', v: 1, logKey: key, notBefore: 1, notAfter: 1000 }, ca.root.priv);
      const renewed = signLogCertificate({ t: 'log', v: 1, logKey: key, notBefore: 900, notAfter: 5000 }, ca.root.priv);
      const otherCert = signLogCertificate({ t: 'log', v: 1, logKey: other, notBefore: 1, notAfter: 1000 }, ca.root.priv);
      expect(await s.certificates.log.getLogCertificate(key)).toBeNull();
      await s.certificates.log.putLogCertificate(first, 1);
      await s.certificates.log.putLogCertificate(otherCert, 2);
      expect(await s.certificates.log.getLogCertificate(key)).toEqual(first);
      await s.certificates.log.putLogCertificate(renewed, 3);
      expect(await s.certificates.log.getLogCertificate(key)).toEqual(renewed);
      expect(await s.certificates.log.getLogCertificate(other)).toEqual(otherCert);
    });
  });
}
