import { Direction, IdentityChange, IdentityKeyPair, ProtocolAddress } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { generateDeviceIdentity } from './identity';
import { identityStatus } from './identity-store';
import { MemoryIdentityKeyStore } from './memory-stores';

const ben = { userId: 'ben', deviceId: 2 };
const benAddress = ProtocolAddress.new('ben', 2);

describe('TofuIdentityKeyStore', () => {
  it('trusts and records the first key seen for a device', async () => {
    const store = new MemoryIdentityKeyStore(generateDeviceIdentity(1));
    const key = IdentityKeyPair.generate().publicKey;
    expect(await identityStatus(store, ben, key)).toBe('new');
    expect(await store.isTrustedIdentity(benAddress, key, Direction.Sending)).toBe(true);
    expect(await store.saveIdentity(benAddress, key)).toBe(IdentityChange.NewOrUnchanged);
    expect((await store.getIdentity(benAddress))?.equals(key)).toBe(true);
    expect(await identityStatus(store, ben, key)).toBe('same');
    expect(await store.isTrustedIdentity(benAddress, key, Direction.Receiving)).toBe(true);
    // Another device of the same user is a separate identity.
    expect(await store.getIdentity(ProtocolAddress.new('ben', 3))).toBeNull();
  });

  it('refuses a changed key in both directions until the change is accepted', async () => {
    const store = new MemoryIdentityKeyStore(generateDeviceIdentity(1));
    const original = IdentityKeyPair.generate().publicKey;
    const replacement = IdentityKeyPair.generate().publicKey;
    await store.saveIdentity(benAddress, original);

    expect(await identityStatus(store, ben, replacement)).toBe('changed');
    expect(await store.isTrustedIdentity(benAddress, replacement, Direction.Sending)).toBe(false);
    expect(await store.isTrustedIdentity(benAddress, replacement, Direction.Receiving)).toBe(false);
    expect(store.refusedIdentity(ben)?.equals(replacement)).toBe(true);
    // Saving around the trust check does not replace the record.
    await expect(store.saveIdentity(benAddress, replacement)).rejects.toThrow(/acceptIdentityChange/);
    expect((await store.getIdentity(benAddress))?.equals(original)).toBe(true);

    await store.acceptIdentityChange(ben, replacement);
    expect(await identityStatus(store, ben, replacement)).toBe('same');
    expect(await store.isTrustedIdentity(benAddress, replacement, Direction.Sending)).toBe(true);
    expect(store.refusedIdentity(ben)).toBeUndefined();
    // The old key is now the stranger.
    expect(await store.isTrustedIdentity(benAddress, original, Direction.Receiving)).toBe(false);
  });

  it('serves the local identity', async () => {
    const local = generateDeviceIdentity(1);
    const store = new MemoryIdentityKeyStore(local);
    expect(await store.getLocalRegistrationId()).toBe(local.registrationId);
    expect((await store.getIdentityKeyPair()).publicKey.equals(local.identityKeyPair.publicKey)).toBe(true);
  });
});
