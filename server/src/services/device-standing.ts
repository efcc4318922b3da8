/**
 * Whether a device is a certified, unrevoked device of its person as far as the store
 * knows: the one question behind "may this device be named in a membership event" and
 * "may this device have invited a client". The device must be registered,
 * with the identity key the caller expects, a stored device certificate for exactly that
 * key, no revocation of it, and a person whose certificate is not revoked.
 */
import { identityKeyHash } from '@yhteispoyta/crypto/certificates/signing';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { DeviceRecord } from '../store/port';
import { hasDeviceCertificate, isDeviceRevoked, isPersonRevoked, loadStoredPerson } from './stored-person';
import type { StoredPerson } from './stored-person';

/** A device's standing: certified (with its record and its person's certificates), or why not. */
export type DeviceStanding =
  | { readonly ok: true; readonly device: DeviceRecord; readonly person: StoredPerson }
  | { readonly ok: false; readonly reason: string };

/**
 * The standing of `ref`. With `keyHash`, the registered identity key must also be the one
 * the caller names (a membership event names devices by the hash of their key).
 */
export async function deviceStanding(ctx: Needs<'directory' | 'certificates'>, ref: DeviceRef, keyHash?: string): Promise<DeviceStanding> {
  const name = deviceKey(ref);
  const device = await ctx.store.directory.getDevice(ref);
  if (device === null) return { ok: false, reason: `device ${name} is not a registered, active device` };
  if (keyHash !== undefined && identityKeyHash(device.identityKey) !== keyHash) {
    return { ok: false, reason: `device ${name} has another identity key than the one named` };
  }
  const person = await loadStoredPerson(ctx, ref.userId);
  if (isPersonRevoked(person)) return { ok: false, reason: `the certificate of ${ref.userId} was revoked` };
  if (!hasDeviceCertificate(person, ref.deviceId, device.identityKey)) return { ok: false, reason: `device ${name} is not certified` };
  if (isDeviceRevoked(person, ref.deviceId, device.identityKey)) return { ok: false, reason: `device ${name} was revoked` };
  return { ok: true, device, person };
}
