/**
 * FOR TESTS: what an enrolling agent sends for its first device, built from the typed
 * code exactly as the protocol says — a fresh user key and identity key, a device
 * certificate signed with the user key, and the proof of the code's secret over the keys.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { enrolmentProof, parseOneTimeCode, signCertificate, userIdForCode } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';

const b64 = (key: PrivateKey): string => toBase64(toBytes(key.getPublicKey().serialize()));

/** A device that redeemed a code: its keys and what it registers. */
export interface EnrollingDevice {
  readonly codeId: string;
  readonly userId: string;
  readonly deviceId: number;
  readonly userKey: PrivateKey;
  readonly identityKey: PrivateKey;
  /** the fields of `POST /v1/enrol` besides the prekeys */
  readonly request: {
    readonly codeId: string;
    readonly userKey: string;
    readonly deviceCertificate: Certificate<'device'>;
    readonly proof: string;
  };
  /** base64 public keys */
  readonly userKeyB64: string;
  readonly identityKeyB64: string;
}

/** A first device enrolling with `code` (the full typed code); `identityKey` may be given (a real agent's). */
export function enrollingDevice(code: string, opts: { deviceId?: number; identityKey?: PrivateKey; created?: number } = {}): EnrollingDevice {
  const parsed = parseOneTimeCode(code);
  if (parsed === undefined) throw new Error('enrollingDevice: not a code');
  const deviceId = opts.deviceId ?? 1;
  const userId = userIdForCode(parsed.codeId);
  const userKey = PrivateKey.generate();
  const identityKey = opts.identityKey ?? PrivateKey.generate();
  const deviceCertificate = signCertificate(
    { t: 'device', v: 1, userId, deviceId, identityKey: b64(identityKey), created: opts.created ?? Date.now() },
    userKey,
  );
  const proof = enrolmentProof(parsed.secret, { codeId: parsed.codeId, deviceId, identityKey: b64(identityKey), userKey: b64(userKey) });
  return {
    codeId: parsed.codeId, userId, deviceId, userKey, identityKey,
    request: { codeId: parsed.codeId, userKey: b64(userKey), deviceCertificate, proof },
    userKeyB64: b64(userKey), identityKeyB64: b64(identityKey),
  };
}

/** A fresh key pair's public half in base64 (a substitute key a hostile server would insert). */
export function strangerKey(): { priv: PrivateKey; b64: string } {
  const priv = PrivateKey.generate();
  return { priv, b64: b64(priv) };
}
