/**
 * This device's own identity in the profile: one row, written once. Replacing it would
 * silently turn this device into a different one for every peer, so a second, different
 * identity is refused.
 */
import { deserializeDeviceIdentity, serializeDeviceIdentity } from '@yhteispoyta/crypto/identity';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import type { ProfileDb } from './profile-db';

/**
 * Store the device identity. Returns true if stored (or already stored, identical);
 * false if the profile already holds a different identity, which is left untouched.
 */
export function saveDeviceIdentity(profile: ProfileDb, identity: DeviceIdentity): boolean {
  const serialized = serializeDeviceIdentity(identity);
  return profile.transaction(() => {
    const existing = profile.db.prepare('SELECT serialized FROM device_identity WHERE id = 1', { pluck: true }).get();
    if (existing instanceof Uint8Array) return bytesEqual(existing, serialized);
    profile.db.prepare('INSERT INTO device_identity (id, serialized, created_at) VALUES (1, ?, ?)').run([serialized, Date.now()]);
    return true;
  });
}

/**
 * The device identity, or undefined if none was saved yet. Throws if the stored bytes do
 * not parse: the database is authenticated by SQLCipher, so that is a bug, not an attack.
 */
export function loadDeviceIdentity(profile: ProfileDb): DeviceIdentity | undefined {
  const stored = profile.db.prepare('SELECT serialized FROM device_identity WHERE id = 1', { pluck: true }).get();
  if (stored === undefined) return undefined;
  const identity = deserializeDeviceIdentity(stored);
  if (identity === undefined) throw new Error('stored device identity does not parse');
  return identity;
}
