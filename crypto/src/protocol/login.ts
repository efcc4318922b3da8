/**
 * The bytes a device signs to log in (docs/design.md §3: challenge–response with the identity
 * key). Both sides compute them with this one function, so they cannot disagree.
 */
import { concatBytes, utf8 } from '../bytes';
import type { Bytes } from '../bytes';
import type { DeviceRef } from '../types';

/** Length of the server's login nonce. */
export const LOGIN_NONCE_BYTES = 32;

/**
 * Domain separation: the identity key also signs prekeys, envelopes and membership
 * events; this prefix (NUL-terminated, so no other context string can extend it) makes
 * a login signature useless as any of those, and vice versa.
 */
const LOGIN_CONTEXT = utf8('Yhteispoyta login challenge v1\0');

function u32(value: number): Bytes {
  const out = new Uint8Array(new ArrayBuffer(4));
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

/** Length-prefixed, so that no two (userId, deviceId, nonce) triples share an encoding. */
function field(bytes: Uint8Array): Bytes {
  return concatBytes(u32(bytes.byteLength), bytes);
}

/**
 * What the device signs with its identity key and the server verifies against the
 * registered identity key: context ‖ len‖userId ‖ deviceId (u32 BE) ‖ len‖nonce.
 * Binding the device means a signature for one device cannot log in another device
 * that happens to share the key or to see the same nonce.
 */
export function loginSigningBytes(nonce: Uint8Array, device: DeviceRef): Bytes {
  return concatBytes(LOGIN_CONTEXT, field(utf8(device.userId)), u32(device.deviceId), field(nonce));
}
