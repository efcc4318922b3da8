/**
 * Contract: the deployment root (set once), organisations with their certificates, and
 * stored certificates (idempotent by id, looked up by subject). The certificates are
 * real ones from crypto's TestAuthority: the stores parse what they read back.
 */
import { describe, expect, it } from 'vitest';
import { certificateId } from '@yhteispoyta/crypto/certificates/signing';
import { TestAuthority, YEAR, T0 } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { CLIENTS_ORG_ID } from '@yhteispoyta/crypto/types';
import type { ContractContext } from './context';

/** A small certified world: one organisation, one professional with two devices, a client, revocations. */
function world() {
  const ca = new TestAuthority();
  const org = ca.org('kela', { name: 'Kela' });
  const other = ca.org('sote', { name: 'Hyvinvointialue' });
  const anna = ca.professional(org, 'anna', { role: 'kela_expert' });
  const laptop = ca.device(anna, 1);
  const phone = ca.device(anna, 2);
  const matti = ca.client(laptop, 'matti', 'case-1');
  const mattiPhone = ca.device(matti, 1);
  return {
    ca, org, other, anna, laptop, phone, matti, mattiPhone,
    revokedPhone: ca.revokeDevice(anna, phone),
    revokedAnna: ca.revokeUser(org, anna, 1),
  };
}

/** Register the root, organisation and certificate cases. */
export function describeCertificateContract({ store }: ContractContext): void {
  describe('deployment root', () => {
    it('is null until set, then set once: the same key again is ok, another key a conflict', async () => {
      const s = store();
      const { ca, org } = world();
      expect(await s.certificates.getRoot()).toBeNull();
      expect(await s.certificates.setRoot({ key: ca.root.pub, setAt: 10 })).toEqual({ ok: true });
      expect(await s.certificates.getRoot()).toEqual({ key: ca.root.pub, setAt: 10 });
      expect(await s.certificates.setRoot({ key: ca.root.pub, setAt: 11 })).toEqual({ ok: true });
      expect(await s.certificates.setRoot({ key: org.key.pub, setAt: 12 })).toEqual({ ok: false, code: 'conflict', current: { key: ca.root.pub, setAt: 10 } });
      expect(await s.certificates.getRoot()).toEqual({ key: ca.root.pub, setAt: 10 });
    });

    it('two concurrent first sets with different keys: exactly one key wins', async () => {
      const s = store();
      const one = new TestAuthority();
      const two = new TestAuthority();
      const results = await Promise.all([s.certificates.setRoot({ key: one.root.pub, setAt: 1 }), s.certificates.setRoot({ key: two.root.pub, setAt: 2 })]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const winner = results[0]?.ok === true ? one : two;
      expect((await s.certificates.getRoot())?.key).toEqual(winner.root.pub);
      expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, code: 'conflict', current: { key: winner.root.pub } });
    });
  });

  describe('organisations with certificates', () => {
    it('carry their certificate; the clients organisation has none', async () => {
      const s = store();
      const { org } = world();
      expect(await s.directory.createOrg({ id: 'kela', name: 'Kela', createdAt: 5, certificate: org.cert })).toEqual({ ok: true });
      expect(await s.directory.createOrg({ id: CLIENTS_ORG_ID, name: 'Asiakkaat', createdAt: 6 })).toEqual({ ok: true });
      expect(await s.directory.getOrg('kela')).toEqual({ id: 'kela', name: 'Kela', createdAt: 5, certificate: org.cert });
      expect(await s.directory.getOrg(CLIENTS_ORG_ID)).toEqual({ id: CLIENTS_ORG_ID, name: 'Asiakkaat', createdAt: 6 });
      expect(await s.directory.listOrgs()).toEqual([
        { id: 'kela', name: 'Kela', createdAt: 5, certificate: org.cert },
        { id: CLIENTS_ORG_ID, name: 'Asiakkaat', createdAt: 6 },
      ]);
    });

    it('take a renewal with a later notBefore, never an older one', async () => {
      const s = store();
      const { ca, org } = world();
      await s.directory.createOrg({ id: 'kela', name: 'Kela', createdAt: 5, certificate: org.cert });
      const renewed = ca.org('kela', { name: 'Kela, Itä-Suomi', notBefore: T0, notAfter: T0 + 2 * YEAR, root: ca.root });
      expect(await s.directory.setOrgCertificate(renewed.cert)).toEqual({ ok: true });
      expect(await s.directory.getOrg('kela')).toEqual({ id: 'kela', name: 'Kela, Itä-Suomi', createdAt: 5, certificate: renewed.cert });
      expect(await s.directory.setOrgCertificate(org.cert)).toEqual({ ok: false, code: 'stale' });
      expect((await s.directory.getOrg('kela'))?.certificate).toEqual(renewed.cert);
      expect(await s.directory.setOrgCertificate(renewed.cert)).toEqual({ ok: true });
      const stranger = ca.org('nowhere');
      expect(await s.directory.setOrgCertificate(stranger.cert)).toEqual({ ok: false, code: 'not_found' });
    });
  });

  describe('certificates', () => {
    it('are stored once per id and read back exactly, with their subject', async () => {
      const s = store();
      const { org, anna, laptop } = world();
      const put = await s.certificates.putCertificate(anna.cert, 100);
      expect(put).toEqual({ ok: true, id: certificateId(anna.cert), created: true });
      expect(await s.certificates.putCertificate(anna.cert, 200)).toEqual({ ok: true, id: certificateId(anna.cert), created: false });
      await s.certificates.putCertificate(laptop.cert, 101);
      await s.certificates.putCertificate(org.cert, 102);
      expect(await s.certificates.listCertificatesOfUsers(['anna'], 10)).toEqual([
        { id: certificateId(anna.cert), type: 'user', userId: 'anna', orgId: 'kela', certificate: anna.cert, storedAt: 100 },
        { id: certificateId(laptop.cert), type: 'device', userId: 'anna', deviceId: 1, certificate: laptop.cert, storedAt: 101 },
      ]);
      expect(await s.certificates.listCertificatesOfOrgs(['kela'], 'org', 10)).toEqual([
        { id: certificateId(org.cert), type: 'org', orgId: 'kela', certificate: org.cert, storedAt: 102 },
      ]);
    });

    it('are looked up by subject user (every kind) and by organisation and type', async () => {
      const s = store();
      const w = world();
      const all = [w.org.cert, w.other.cert, w.anna.cert, w.laptop.cert, w.phone.cert, w.matti.cert, w.mattiPhone.cert, w.revokedPhone, w.revokedAnna];
      for (const [i, cert] of all.entries()) await s.certificates.putCertificate(cert, 1000 + i);
      const ids = (records: { id: string }[]) => records.map((r) => r.id);
      expect(ids(await s.certificates.listCertificatesOfUsers(['anna'], 100))).toEqual(
        [w.anna.cert, w.laptop.cert, w.phone.cert, w.revokedPhone, w.revokedAnna].map(certificateId),
      );
      expect(ids(await s.certificates.listCertificatesOfUsers(['matti', 'nobody'], 100))).toEqual([w.matti.cert, w.mattiPhone.cert].map(certificateId));
      expect(ids(await s.certificates.listCertificatesOfUsers(['anna', 'matti'], 3))).toEqual([w.anna.cert, w.laptop.cert, w.phone.cert].map(certificateId));
      expect(ids(await s.certificates.listCertificatesOfOrgs(['kela', 'sote'], 'org', 100))).toEqual([w.org.cert, w.other.cert].map(certificateId));
      expect(ids(await s.certificates.listCertificatesOfOrgs(['sote'], 'org', 100))).toEqual([certificateId(w.other.cert)]);
      expect(ids(await s.certificates.listCertificatesOfOrgs(['kela'], 'user', 100))).toEqual([certificateId(w.anna.cert)]);
      expect(ids(await s.certificates.listCertificatesOfOrgs(['kela'], 'user_revocation', 100))).toEqual([certificateId(w.revokedAnna)]);
      expect(await s.certificates.listCertificatesOfOrgs(['sote'], 'user', 100)).toEqual([]);
      expect(await s.certificates.listCertificatesOfUsers([], 100)).toEqual([]);
      expect(await s.certificates.listCertificatesOfOrgs([], 'org', 100)).toEqual([]);
      const [client] = await s.certificates.listCertificatesOfUsers(['matti'], 1);
      expect(client).toMatchObject({ type: 'client', userId: 'matti' });
      const revocation = (await s.certificates.listCertificatesOfUsers(['anna'], 100)).find((r) => r.type === 'device_revocation');
      expect(revocation).toMatchObject({ userId: 'anna', deviceId: 2 });
    });

    it('concurrent puts of one certificate store it once', async () => {
      const s = store();
      const { laptop } = world();
      const results = await Promise.all([1, 2, 3].map((i) => s.certificates.putCertificate(laptop.cert, i)));
      expect(results.every((r) => r.ok && r.id === certificateId(laptop.cert))).toBe(true);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await s.certificates.listCertificatesOfUsers(['anna'], 10)).toHaveLength(1);
    });
  });
}
