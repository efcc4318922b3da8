/**
 * Devices' identity keys, deserialized once per process. The relay checks an envelope's
 * signature against its author's registered identity key on every push; reading the device
 * row and deserializing its key each time cost a store read and a key parse per envelope.
 * A device id is registered exactly once and its identity key never changes (the store
 * refuses a second registration with `device_exists`; nothing updates or deletes the key),
 * so a key once read stays right for the life of the process, also when several processes
 * share the store. Whether the device may still write is not judged here: admission checks
 * its membership in the current chain on every envelope.
 */
import { toPublicKey } from '@yhteispoyta/crypto/signature-check';
import type { IdentityKeyInput } from '@yhteispoyta/crypto/signature-check';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { DirectoryStore } from '../store/port';
import { mapPerStorePart, putRecent } from './store-caches';

/** A deserialized identity key (libsignal's PublicKey, as crypto/ hands it out). */
type PublicKey = NonNullable<ReturnType<typeof toPublicKey>>;

/** Most keys one process keeps per store; the least recently used goes first. */
export const MAX_CACHED_IDENTITY_KEYS = 10_000;

const keysOf = mapPerStorePart<DirectoryStore, PublicKey>();

/**
 * The registered identity key of `device`, or null when the device was never registered
 * (not remembered: a device registered later is found on the next call). A stored key that
 * does not deserialize is returned as its bytes, uncached, and fails every verification.
 */
export async function identityKeyOf(ctx: Needs<'directory'>, device: DeviceRef): Promise<IdentityKeyInput | null> {
  const cache = keysOf(ctx.store.directory);
  const id = deviceKey(device);
  const cached = cache.get(id);
  if (cached !== undefined) {
    putRecent(cache, id, cached, MAX_CACHED_IDENTITY_KEYS);
    return cached;
  }
  const record = await ctx.store.directory.getDevice(device);
  if (record === null) return null;
  const key = toPublicKey(record.identityKey);
  if (key === undefined) return record.identityKey;
  putRecent(cache, id, key, MAX_CACHED_IDENTITY_KEYS);
  return key;
}
