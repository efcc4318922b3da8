import { describe, expect, it } from 'vitest';
import { fromBase64, sha256, utf8 } from '../bytes';
import { generateLogKey, logKeyFingerprint, logKeyFromPem, logKeyToPem, logPublicKey, logPublicKeyBase64, logVerifyingKey } from './log-key';

describe('the log key', () => {
  it('goes to PEM and back as the same key', () => {
    const key = generateLogKey();
    const pem = logKeyToPem(key);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/);
    const again = logKeyFromPem(pem);
    expect(again === undefined ? undefined : logPublicKey(again)).toEqual(logPublicKey(key));
  });

  it('refuses a PEM that is not an Ed25519 private key, without throwing', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const publicPem = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    for (const bad of ['', 'x', rsa, publicPem, logKeyToPem(generateLogKey()).replace('A', 'B').slice(0, 60), 'A'.repeat(10_000)]) {
      expect(logKeyFromPem(bad)).toBeUndefined();
    }
  });

  it('has a 32-byte public key, a verifying key from it and a 22-character fingerprint', () => {
    const key = generateLogKey();
    const raw = logPublicKey(key);
    expect(raw.byteLength).toBe(32);
    expect(fromBase64(logPublicKeyBase64(key))).toEqual(raw);
    expect(logVerifyingKey(raw)?.asymmetricKeyType).toBe('ed25519');
    expect(logVerifyingKey(logPublicKeyBase64(key))?.asymmetricKeyType).toBe('ed25519');
    for (const bad of [new Uint8Array(31), new Uint8Array(33), 'no', '']) expect(logVerifyingKey(bad)).toBeUndefined();
    const fingerprint = logKeyFingerprint(raw);
    expect(fingerprint).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(fingerprint).toBe(Buffer.from(sha256(utf8('yhteispoyta/log-fingerprint/v1\n'), raw).subarray(0, 16)).toString('base64url'));
    expect(logKeyFingerprint(logPublicKey(generateLogKey()))).not.toBe(fingerprint);
  });
});
