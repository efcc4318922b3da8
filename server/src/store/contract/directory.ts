/**
 * Contract: organisations, users, devices and the prekey directory.
 */
import { describe, expect, it } from 'vitest';
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import type { ContractContext } from './context';
import { makeUpload, prekey, seedUser, signedPrekey } from './context';

/** Register the directory cases. */
export function describeDirectoryContract({ store }: ContractContext): void {
  describe('organisations and users', () => {
    it('creates, reads and lists; duplicates and unknown orgs are typed results', async () => {
      const s = store();
      expect(await s.directory.createOrg({ id: 'org1', name: 'Kela', createdAt: 10 })).toEqual({ ok: true });
      expect(await s.directory.createOrg({ id: 'org1', name: 'Other', createdAt: 11 })).toEqual({ ok: false, code: 'exists' });
      await s.directory.createOrg({ id: 'org0', name: 'Sote', createdAt: 5 });
      expect(await s.directory.getOrg('org1')).toEqual({ id: 'org1', name: 'Kela', createdAt: 10 });
      expect(await s.directory.getOrg('nope')).toBeNull();
      expect((await s.directory.listOrgs()).map((o) => o.id)).toEqual(['org0', 'org1']);

      const user = { id: 'u1', orgId: 'org1', role: 'kela_expert' as const, displayName: 'Eeva', createdAt: 12 };
      expect(await s.directory.createUser(user)).toEqual({ ok: true });
      expect(await s.directory.createUser(user)).toEqual({ ok: false, code: 'exists' });
      expect(await s.directory.createUser({ ...user, id: 'u2', orgId: 'missing' })).toEqual({ ok: false, code: 'unknown_org' });
      expect(await s.directory.getUser('u1')).toEqual(user);
      expect(await s.directory.getUser('u2')).toBeNull();
      expect(await s.directory.listUsers('org1')).toEqual([user]);
      expect(await s.directory.listUsers('org0')).toEqual([]);
    });
  });

  describe('devices and prekeys', () => {
    it('registers a device and reads it back exactly', async () => {
      const s = store();
      const upload = await seedUser(s, { ec: 2, kyber: 1 });
      if (!upload) throw new Error('seed failed');
      const device = await s.directory.getDevice({ userId: 'alice', deviceId: 1 });
      expect(device).toEqual({
        userId: 'alice',
        deviceId: 1,
        identityKey: fromBase64(upload.identityKey),
        registrationId: upload.registrationId,
        signedPreKey: upload.signedPreKey,
        lastResortKyberPreKey: upload.lastResortKyberPreKey,
        createdAt: 3,
      });
      expect(await s.directory.prekeyCounts({ userId: 'alice', deviceId: 1 })).toEqual({ oneTimePreKeys: 2, oneTimeKyberPreKeys: 1 });
      expect(await s.directory.getDevice({ userId: 'alice', deviceId: 2 })).toBeNull();
    });

    it('refuses duplicates, unknown users, bad device ids and bad identity keys', async () => {
      const s = store();
      await seedUser(s, { ec: 0, kyber: 0 });
      expect(await s.directory.registerDevice('alice', makeUpload(1, 0, 0), 4)).toEqual({ ok: false, code: 'device_exists' });
      expect(await s.directory.registerDevice('bob', makeUpload(2, 0, 0), 4)).toEqual({ ok: false, code: 'unknown_user' });
      expect(await s.directory.registerDevice('alice', makeUpload(0, 0, 0), 4)).toEqual({ ok: false, code: 'invalid_device_id' });
      expect(await s.directory.registerDevice('alice', makeUpload(128, 0, 0), 4)).toEqual({ ok: false, code: 'invalid_device_id' });
      const bad = { ...makeUpload(2, 0, 0), identityKey: 'not base64!' };
      expect(await s.directory.registerDevice('alice', bad, 4)).toEqual({ ok: false, code: 'invalid_identity_key' });
      expect(await s.directory.registerDevice('alice', makeUpload(127, 0, 0), 4)).toEqual({ ok: true });
    });

    it('hands out each one-time prekey once, then the last-resort Kyber key and no EC key', async () => {
      const s = store();
      const upload = await seedUser(s, { ec: 2, kyber: 1 });
      if (!upload) throw new Error('seed failed');
      const ref = { userId: 'alice', deviceId: 1 };
      const first = await s.directory.claimBundle(ref);
      const second = await s.directory.claimBundle(ref);
      const third = await s.directory.claimBundle(ref);
      expect(first).toEqual({
        device: ref,
        registrationId: upload.registrationId,
        identityKey: upload.identityKey,
        signedPreKey: upload.signedPreKey,
        kyberPreKey: upload.oneTimeKyberPreKeys[0],
        preKey: upload.oneTimePreKeys[0],
      });
      expect(second?.preKey).toEqual(upload.oneTimePreKeys[1]);
      expect(second?.kyberPreKey).toEqual(upload.lastResortKyberPreKey);
      expect(third?.preKey).toBeUndefined();
      expect(third?.kyberPreKey).toEqual(upload.lastResortKyberPreKey);
      expect(await s.directory.prekeyCounts(ref)).toEqual({ oneTimePreKeys: 0, oneTimeKyberPreKeys: 0 });
      expect(await s.directory.claimBundle({ userId: 'alice', deviceId: 9 })).toBeNull();
    });

    it('two concurrent claims of the last one-time prekey: exactly one gets it', async () => {
      const s = store();
      await seedUser(s, { ec: 1, kyber: 1 });
      const ref = { userId: 'alice', deviceId: 1 };
      const [a, b] = await Promise.all([s.directory.claimBundle(ref), s.directory.claimBundle(ref)]);
      const withKey = [a, b].filter((x) => x?.preKey !== undefined);
      expect(withKey).toHaveLength(1);
      const withOneTimeKyber = [a, b].filter((x) => x?.kyberPreKey.id === 1);
      expect(withOneTimeKyber).toHaveLength(1);
      // Each kind is its own race: the claim that lost the EC key may still have won the
      // one-time Kyber key (seen on FerretDB), so the last-resort key goes to whichever
      // claim did not get the one-time one.
      const lastResort = [a, b].filter((x) => x?.kyberPreKey.id === 9999);
      expect(lastResort).toHaveLength(1);
    });

    it('many concurrent claims never hand out a key twice', async () => {
      const s = store();
      await seedUser(s, { ec: 5, kyber: 5 });
      const ref = { userId: 'alice', deviceId: 1 };
      const bundles = await Promise.all(Array.from({ length: 8 }, () => s.directory.claimBundle(ref)));
      const ecIds = bundles.flatMap((b) => (b?.preKey ? [b.preKey.id] : []));
      expect(ecIds.sort()).toEqual([1, 2, 3, 4, 5]);
      const kyberIds = bundles.map((b) => b?.kyberPreKey.id).filter((id) => id !== 9999);
      expect(kyberIds.sort()).toEqual([1, 2, 3, 4, 5]);
    });

    it('tops up one-time prekeys, skipping ids already present', async () => {
      const s = store();
      await seedUser(s, { ec: 2, kyber: 0 });
      const ref = { userId: 'alice', deviceId: 1 };
      const res = await s.directory.addOneTimePrekeys(ref, [prekey(2), prekey(3), prekey(4)], [signedPrekey(7)]);
      expect(res).toEqual({ ok: true, added: { oneTimePreKeys: 2, oneTimeKyberPreKeys: 1 } });
      expect(await s.directory.prekeyCounts(ref)).toEqual({ oneTimePreKeys: 4, oneTimeKyberPreKeys: 1 });
      expect(await s.directory.addOneTimePrekeys({ userId: 'alice', deviceId: 5 }, [prekey(1)], [])).toEqual({ ok: false, code: 'not_found' });
    });

    it('replaces the signed prekey and the last-resort Kyber prekey', async () => {
      const s = store();
      await seedUser(s, { ec: 0, kyber: 0 });
      const ref = { userId: 'alice', deviceId: 1 };
      const spk = signedPrekey(2);
      expect(await s.directory.replaceSignedPrekeys(ref, spk)).toEqual({ ok: true });
      expect((await s.directory.claimBundle(ref))?.signedPreKey).toEqual(spk);
      const spk3 = signedPrekey(3);
      const lastResort = signedPrekey(10000);
      expect(await s.directory.replaceSignedPrekeys(ref, spk3, lastResort)).toEqual({ ok: true });
      const bundle = await s.directory.claimBundle(ref);
      expect(bundle?.signedPreKey).toEqual(spk3);
      expect(bundle?.kyberPreKey).toEqual(lastResort);
      expect(await s.directory.replaceSignedPrekeys({ userId: 'alice', deviceId: 2 }, spk)).toEqual({ ok: false, code: 'not_found' });
    });

    it('a device id is registered once', async () => {
      const s = store();
      await seedUser(s, { ec: 1, kyber: 0 });
      expect(await s.directory.registerDevice('alice', makeUpload(1, 1, 0), 60)).toEqual({ ok: false, code: 'device_exists' });
      expect((await s.directory.listDevices('alice')).map((d) => d.deviceId)).toEqual([1]);
    });
  });
}
