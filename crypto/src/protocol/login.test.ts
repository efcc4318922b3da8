import { PrivateKey } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { bytesEqual, randomBytes, toHex } from '../bytes';
import { LOGIN_NONCE_BYTES, loginSigningBytes } from './login';

const device = { userId: 'user-1', deviceId: 1 };

describe('loginSigningBytes', () => {
  it('is deterministic', () => {
    const nonce = randomBytes(LOGIN_NONCE_BYTES);
    expect(bytesEqual(loginSigningBytes(nonce, device), loginSigningBytes(Uint8Array.from(nonce), { ...device }))).toBe(true);
  });

  it('differs per nonce', () => {
    const a = randomBytes(LOGIN_NONCE_BYTES);
    const b = Uint8Array.from(a);
    b[31] = (b[31] ?? 0) ^ 1;
    expect(bytesEqual(loginSigningBytes(a, device), loginSigningBytes(b, device))).toBe(false);
  });

  it('differs per device: user and device id', () => {
    const nonce = randomBytes(LOGIN_NONCE_BYTES);
    const variants = [
      device,
      { userId: 'user-1', deviceId: 2 },
      { userId: 'user-2', deviceId: 1 },
      { userId: 'user-12', deviceId: 1 },
    ].map((d) => toHex(loginSigningBytes(nonce, d)));
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('is unambiguous: moving bytes between fields changes the result', () => {
    // Without length prefixes, ('ab', nonce 'c…') and ('a', nonce 'bc…') could collide.
    const nonce = randomBytes(LOGIN_NONCE_BYTES);
    const shifted = new Uint8Array([0x62, ...nonce.subarray(0, LOGIN_NONCE_BYTES - 1)]);
    expect(bytesEqual(loginSigningBytes(nonce, { userId: 'ab', deviceId: 1 }), loginSigningBytes(shifted, { userId: 'a', deviceId: 1 }))).toBe(false);
  });

  it('is domain-separated from the bare nonce', () => {
    const nonce = randomBytes(LOGIN_NONCE_BYTES);
    const bytes = loginSigningBytes(nonce, device);
    expect(bytes.byteLength).toBeGreaterThan(nonce.byteLength);
    expect(new TextDecoder().decode(bytes.subarray(0, 30))).toBe('Yhteispoyta login challenge v1');
  });

  it('a signature over it verifies for the signing device only', () => {
    const key = PrivateKey.generate();
    const nonce = randomBytes(LOGIN_NONCE_BYTES);
    const signature = key.sign(loginSigningBytes(nonce, device));
    expect(key.getPublicKey().verify(loginSigningBytes(nonce, device), signature)).toBe(true);
    expect(key.getPublicKey().verify(loginSigningBytes(nonce, { userId: 'user-1', deviceId: 2 }), signature)).toBe(false);
    expect(key.getPublicKey().verify(nonce, signature)).toBe(false);
  });
});
