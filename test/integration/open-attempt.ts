/**
 * Trying to read a stored ciphertext with a given key, as an attacker holding a device's
 * keys would: the stored bytes are decoded, the signature is checked against the author's
 * registered identity key (so a failure can only come from the key), and the envelope is
 * opened with crypto/'s `openEnvelope`.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { decodeWireEnvelope, openEnvelope } from '@yhteispoyta/crypto/envelope';
import type { OpenEnvelopeResult } from '@yhteispoyta/crypto/envelope';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { StoredCiphertext } from './server-store';

/**
 * Open `item` of `workspaceId` with the key `epochKeyOf` gives for its epoch.
 * `identities` maps `userId.deviceId` to the registered identity key.
 */
export function attemptOpen(
  item: StoredCiphertext,
  workspaceId: string,
  identities: ReadonlyMap<string, Bytes>,
  epochKeyOf: (epoch: number) => Uint8Array | undefined,
): OpenEnvelopeResult {
  const decoded = decodeWireEnvelope(item.bytes);
  if (!decoded.ok) return decoded;
  return openEnvelope(decoded.envelope, {
    workspaceId,
    stream: item.stream,
    identityOf: (ref) => identities.get(deviceKey(ref)),
    epochKeyOf,
  });
}
