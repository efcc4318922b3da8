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

/** A deserialized identity key (libsignal's PublicKey, as crypto/ hands it out). */
type PublicKey = NonNullable<ReturnType<typeof toPublicKey>>;

/** Most keys one process keeps per store; the least recently used goes first. */
export const MAX_CACHED_IDENTITY_KEYS = 10_000;

// Keyed by the store's directory part, like the chain cache: tests run several servers in one process.
const caches = new WeakMap<DirectoryStore, Map<string, PublicKey>>();

function cacheOf(ctx: Needs<'directory'>): Map<string, PublicKey> {
  let cache = caches.get(ctx.store.directory);
  if (cache === undefined) {
    cache = new Map();
    caches.set(ctx.store.directory, cache);
  }
  return cache;
}

/**
 * The registered identity key of `device`, or null when the device was never registered
 * (not remembered: a device registered later is found on the next call). A stored key that
 * does not deserialize is returned as its bytes, uncached, and fails every verification.
 */
export async function identityKeyOf(ctx: Needs<'directory'>, device: DeviceRef): Promise<IdentityKeyInput | null> {
  const cache = cacheOf(ctx);
  const id = deviceKey(device);
  const cached = cache.get(id);
  if (cached !== undefined) {
    // Most recently used last, so that eviction takes the oldest.
    cache.delete(id);
    cache.set(id, cached);
    return cached;
  }
  const record = await ctx.store.directory.getDevice(device);
  if (record === null) return null;
  const key = toPublicKey(record.identityKey);
  if (key === undefined) return record.identityKey;
  cache.set(id, key);
  if (cache.size > MAX_CACHED_IDENTITY_KEYS) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  return key;
}
