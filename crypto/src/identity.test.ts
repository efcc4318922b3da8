import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fromUtf8, toBase64, utf8 } from './bytes';
import {
  deserializeDeviceIdentity,
  deviceRefSchema,
  generateDeviceIdentity,
  publicKeyFromBase64,
  publicKeyFromBytes,
  serializeDeviceIdentity,
  toProtocolAddress,
} from './identity';

describe('generateDeviceIdentity', () => {
  it('creates distinct identities with ids in range', () => {
    const ids = Array.from({ length: 20 }, () => generateDeviceIdentity(3));
    for (const id of ids) {
      expect(id.deviceId).toBe(3);
      expect(id.registrationId).toBeGreaterThanOrEqual(1);
      expect(id.registrationId).toBeLessThanOrEqual(16380);
    }
    const keys = new Set(ids.map((i) => toBase64(i.identityKeyPair.publicKey.serialize())));
    expect(keys.size).toBe(20);
    // 20 draws from 16380 values colliding completely would mean the id is not random.
    expect(new Set(ids.map((i) => i.registrationId)).size).toBeGreaterThan(1);
  });

  it('refuses device ids outside 1..127', () => {
    for (const bad of [0, 128, -1, 1.5, Number.NaN]) expect(() => generateDeviceIdentity(bad)).toThrow(RangeError);
    expect(generateDeviceIdentity(127).deviceId).toBe(127);
  });
});

describe('serializeDeviceIdentity / deserializeDeviceIdentity', () => {
  it('round-trips the key pair and ids', () => {
    const original = generateDeviceIdentity(5);
    const restored = deserializeDeviceIdentity(serializeDeviceIdentity(original));
    expect(restored).toBeDefined();
    expect(restored?.deviceId).toBe(5);
    expect(restored?.registrationId).toBe(original.registrationId);
    expect(restored?.identityKeyPair.publicKey.equals(original.identityKeyPair.publicKey)).toBe(true);
    // The restored private key must sign as the original one.
    const message = utf8('prove it');
    const signature = restored?.identityKeyPair.privateKey.sign(message);
    expect(signature && original.identityKeyPair.publicKey.verify(message, signature)).toBe(true);
  });

  const valid = JSON.parse(fromUtf8(serializeDeviceIdentity(generateDeviceIdentity(2)))) as Record<string, unknown>;
  const encode = (value: Record<string, unknown>) => utf8(JSON.stringify(value));

  it('accepts its own JSON re-encoded', () => {
    expect(deserializeDeviceIdentity(encode(valid))).toBeDefined();
  });

  it.each([
    ['not bytes', 'hello'],
    ['a number', 42],
    ['null', null],
    ['empty bytes', new Uint8Array(0)],
    ['invalid UTF-8', new Uint8Array([0xff, 0xfe, 0xfd])],
    ['not JSON', utf8('{"t":')],
    ['too large', new Uint8Array(5000)],
    ['registrationId 0', encode({ ...valid, registrationId: 0 })],
    ['registrationId 16381', encode({ ...valid, registrationId: 16381 })],
    ['deviceId 128', encode({ ...valid, deviceId: 128 })],
    ['wrong version', encode({ ...valid, v: 2 })],
    ['extra field', encode({ ...valid, extra: 1 })],
    ['non-base64 key pair', encode({ ...valid, identityKeyPair: '***' })],
    ['truncated key pair', encode({ ...valid, identityKeyPair: (valid.identityKeyPair as string).slice(0, 40) })],
  ])('returns undefined for %s', (_label, input) => {
    expect(deserializeDeviceIdentity(input)).toBeUndefined();
  });

  it('refuses a key pair whose halves belong to different keys', () => {
    const a = IdentityKeyPair.generate();
    const b = IdentityKeyPair.generate();
    const mixed = new IdentityKeyPair(a.publicKey, b.privateKey);
    const bytes = utf8(canonicalJson({ ...(valid as Record<string, string | number>), identityKeyPair: toBase64(mixed.serialize()) }));
    expect(deserializeDeviceIdentity(bytes)).toBeUndefined();
  });
});

describe('deviceRefSchema', () => {
  it('accepts valid refs and rejects others', () => {
    expect(deviceRefSchema.safeParse({ userId: 'anna_K-1', deviceId: 1 }).success).toBe(true);
    expect(deviceRefSchema.safeParse({ userId: 'a'.repeat(64), deviceId: 127 }).success).toBe(true);
    for (const bad of [
      { userId: '', deviceId: 1 },
      { userId: 'a'.repeat(65), deviceId: 1 },
      { userId: 'anna.1', deviceId: 1 },
      { userId: 'änna', deviceId: 1 },
      { userId: 'anna', deviceId: 0 },
      { userId: 'anna', deviceId: 128 },
      { userId: 'anna', deviceId: 1.5 },
      { userId: 'anna' },
      null,
    ]) {
      expect(deviceRefSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('maps to the libsignal address name.deviceId', () => {
    expect(toProtocolAddress({ userId: 'anna', deviceId: 4 }).toString()).toBe('anna.4');
  });
});

describe('publicKeyFromBytes / publicKeyFromBase64', () => {
  it('parses a serialized key and rejects garbage', () => {
    const key = IdentityKeyPair.generate().publicKey;
    expect(publicKeyFromBytes(key.serialize())?.equals(key)).toBe(true);
    expect(publicKeyFromBase64(toBase64(key.serialize()))?.equals(key)).toBe(true);
    const wrongType = key.serialize();
    wrongType[0] = 0x07;
    for (const bad of [new Uint8Array(0), new Uint8Array(33), wrongType, key.serialize().slice(0, 20), 'x', null]) {
      expect(publicKeyFromBytes(bad)).toBeUndefined();
    }
    for (const bad of ['', 'not base64!', toBase64(new Uint8Array(33)), 7]) expect(publicKeyFromBase64(bad)).toBeUndefined();
  });
});
