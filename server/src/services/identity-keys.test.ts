import { describe, expect, it } from 'vitest';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import { verifySignature } from '@yhteispoyta/crypto/signature-check';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { DeviceRecord, DirectoryStore } from '../store/port';
import { MAX_CACHED_IDENTITY_KEYS, identityKeyOf } from './identity-keys';

/** A fresh device's private identity key. */
const freshKey = () => generateDeviceIdentity(1).identityKeyPair.privateKey;

/** A directory of `devices` that counts its reads; nothing else of the port is used. */
function countingDirectory(devices: Map<string, Uint8Array>) {
  const reads: string[] = [];
  const directory = {
    async getDevice(ref: DeviceRef) {
      const id = `${ref.userId}.${ref.deviceId}`;
      reads.push(id);
      const identityKey = devices.get(id);
      return identityKey === undefined ? null : ({ ...ref, identityKey } as unknown as DeviceRecord);
    },
  } as unknown as DirectoryStore;
  return { ctx: { store: { directory } } as Parameters<typeof identityKeyOf>[0], reads };
}

describe('identityKeyOf', () => {
  it('reads a device once and answers from memory after that, with a key that verifies its signatures', async () => {
    const alice = freshKey();
    const { ctx, reads } = countingDirectory(new Map([['alice.1', alice.getPublicKey().serialize()]]));
    const message = new Uint8Array([1, 2, 3]);
    for (let i = 0; i < 3; i++) {
      const key = await identityKeyOf(ctx, { userId: 'alice', deviceId: 1 });
      expect(key).not.toBeNull();
      expect(verifySignature(key!, message, alice.sign(message))).toBe(true);
      expect(verifySignature(key!, message, freshKey().sign(message))).toBe(false);
    }
    expect(reads).toEqual(['alice.1']);
  });

  it('does not remember an unregistered device: registered later, it is found', async () => {
    const devices = new Map<string, Uint8Array>();
    const { ctx, reads } = countingDirectory(devices);
    expect(await identityKeyOf(ctx, { userId: 'bob', deviceId: 2 })).toBeNull();
    devices.set('bob.2', freshKey().getPublicKey().serialize());
    expect(await identityKeyOf(ctx, { userId: 'bob', deviceId: 2 })).not.toBeNull();
    expect(reads).toEqual(['bob.2', 'bob.2']);
  });

  it('hands a stored key that does not deserialize back as bytes that verify nothing, and reads it again next time', async () => {
    const broken = new Uint8Array(33).fill(7);
    const { ctx, reads } = countingDirectory(new Map([['carol.3', broken]]));
    const key = await identityKeyOf(ctx, { userId: 'carol', deviceId: 3 });
    expect(key).toEqual(broken);
    const message = new Uint8Array([9]);
    expect(verifySignature(key!, message, freshKey().sign(message))).toBe(false);
    await identityKeyOf(ctx, { userId: 'carol', deviceId: 3 });
    expect(reads).toHaveLength(2);
  });

  it('keeps at most MAX_CACHED_IDENTITY_KEYS, dropping the least recently used', async () => {
    const serialized = freshKey().getPublicKey().serialize();
    const devices = new Map<string, Uint8Array>();
    for (let i = 1; i <= MAX_CACHED_IDENTITY_KEYS + 1; i++) devices.set(`u.${i}`, serialized);
    const { ctx, reads } = countingDirectory(devices);
    for (let i = 1; i <= MAX_CACHED_IDENTITY_KEYS; i++) await identityKeyOf(ctx, { userId: 'u', deviceId: i });
    await identityKeyOf(ctx, { userId: 'u', deviceId: 1 }); // used again: now the newest
    await identityKeyOf(ctx, { userId: 'u', deviceId: MAX_CACHED_IDENTITY_KEYS + 1 }); // evicts u.2
    reads.length = 0;
    await identityKeyOf(ctx, { userId: 'u', deviceId: 1 });
    await identityKeyOf(ctx, { userId: 'u', deviceId: 2 });
    expect(reads).toEqual(['u.2']);
  });
});
