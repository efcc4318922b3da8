import { PrivateKey, ProtocolAddress, SessionRecord } from '@signalapp/libsignal-client';
import type { KyberPreKeyRecord, PublicKey } from '@signalapp/libsignal-client';
import { KyberPreKeyStore } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { generateDeviceIdentity } from './identity';
import { MemoryKyberPreKeyStore, MemorySignalStores, bundleFromUpload, installPrekeys, savesLastResortKyberPreKeys } from './memory-stores';
import { generateOneTimePrekeys, generatePrekeys } from './prekeys';

describe('installPrekeys', () => {
  it('saves every generated record where libsignal will look for it', async () => {
    const identity = generateDeviceIdentity(1);
    const stores = new MemorySignalStores(identity);
    const { records } = generatePrekeys(identity, { signedPreKeyId: 3, lastResortKyberId: 9, firstPreKeyId: 10, firstKyberId: 20, count: 2 });
    await installPrekeys(stores, records);
    expect((await stores.signedPreKey.getSignedPreKey(3)).publicKey().equals(records.signedPreKey.publicKey())).toBe(true);
    expect((await stores.preKey.getPreKey(11)).publicKey().equals(records.preKeys[1]!.publicKey())).toBe(true);
    expect(stores.kyberPreKey.has(9) && stores.kyberPreKey.has(20) && stores.kyberPreKey.has(21)).toBe(true);
    await expect(stores.preKey.getPreKey(12)).rejects.toThrow();

    const topUp = generateOneTimePrekeys(identity, { firstPreKeyId: 12, firstKyberId: 22, count: 1 });
    await installPrekeys(stores, topUp.records);
    expect(stores.preKey.has(12) && stores.kyberPreKey.has(22)).toBe(true);
  });

  it('keeps the last-resort Kyber key apart from one-time keys', async () => {
    const identity = generateDeviceIdentity(1);
    const stores = new MemorySignalStores(identity);
    const { records } = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 1, firstPreKeyId: 1, firstKyberId: 2, count: 1 });
    await installPrekeys(stores, records);
    const baseKey = PrivateKey.generate().getPublicKey();
    await stores.kyberPreKey.markKyberPreKeyUsed(2, 1, baseKey);
    expect(stores.kyberPreKey.has(2)).toBe(false);
    await stores.kyberPreKey.markKyberPreKeyUsed(1, 1, baseKey);
    expect(stores.kyberPreKey.has(1)).toBe(true);
    // The same first message replayed against the last-resort key is refused...
    await expect(stores.kyberPreKey.markKyberPreKeyUsed(1, 1, baseKey)).rejects.toThrow(/already used/);
    // ...while a new sender (new base key) may still use it.
    await stores.kyberPreKey.markKyberPreKeyUsed(1, 1, PrivateKey.generate().getPublicKey());
  });

  it('tells stores with and without the last-resort capability apart', () => {
    class PlainKyberStore extends KyberPreKeyStore {
      override async saveKyberPreKey(_id: number, _record: KyberPreKeyRecord): Promise<void> {}
      override async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
        throw new Error(`no ${id}`);
      }
      override async markKyberPreKeyUsed(_id: number, _signed: number, _base: PublicKey): Promise<void> {}
    }
    expect(savesLastResortKyberPreKeys(new MemoryKyberPreKeyStore())).toBe(true);
    expect(savesLastResortKyberPreKeys(new PlainKyberStore())).toBe(false);
  });
});

describe('MemorySessionStore', () => {
  it('returns copies, and refuses getExistingSessions for a missing session', async () => {
    const stores = new MemorySignalStores(generateDeviceIdentity(1));
    const address = ProtocolAddress.new('ben', 1);
    expect(await stores.session.getSession(address)).toBeNull();
    const record = SessionRecord.deserialize(new Uint8Array(0));
    await stores.session.saveSession(address, record);
    expect(await stores.session.getSession(address)).not.toBe(record);
    expect(await stores.session.getExistingSessions([address])).toHaveLength(1);
    await expect(stores.session.getExistingSessions([address, ProtocolAddress.new('ben', 2)])).rejects.toThrow();
  });
});

describe('bundleFromUpload', () => {
  it('hands out the chosen one-time keys or falls back to the last-resort Kyber key', () => {
    const identity = generateDeviceIdentity(4);
    const { upload } = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 1, firstPreKeyId: 1, firstKyberId: 2, count: 2 });
    const claimed = bundleFromUpload('ben', upload, { preKeyIndex: 1, kyberIndex: 0 });
    expect(claimed.device).toEqual({ userId: 'ben', deviceId: 4 });
    expect(claimed.preKey).toEqual(upload.oneTimePreKeys[1]);
    expect(claimed.kyberPreKey).toEqual(upload.oneTimeKyberPreKeys[0]);
    expect(bundleFromUpload('ben', upload).kyberPreKey).toEqual(upload.lastResortKyberPreKey);
    expect(() => bundleFromUpload('ben', upload, { preKeyIndex: 2 })).toThrow(RangeError);
  });
});
