import { describe, expect, it } from 'vitest';
import { bytesEqual, randomBytes, utf8 } from '@yhteispoyta/crypto/bytes';
import { decodeHeader } from '@yhteispoyta/crypto/header';
import { openEnvelope, sealEnvelope, verifyEnvelopeSignature } from '@yhteispoyta/crypto/envelope';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import { deviceKey, PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { DeviceRef, WireEnvelope } from '@yhteispoyta/crypto/types';
import { ENVELOPE_PARTS, envelopeId, flipBit, resign, truncateCiphertext } from './envelope-tamper';

const author = generateDeviceIdentity(1);
const other = generateDeviceIdentity(2);
const authorRef: DeviceRef = { userId: 'anna', deviceId: 1 };
const otherRef: DeviceRef = { userId: 'eve', deviceId: 2 };
const epochKey = randomBytes(32);

function sealed(): WireEnvelope {
  return sealEnvelope({
    header: {
      v: PROTOCOL_VERSION, workspaceId: 'ws', stream: 'doc:plan', kind: 'update', epoch: 1,
      author: authorRef, clock: 3, snapshotId: '', sentAt: 1_700_000_000_000, chainHead: { seq: 0, hash: '0'.repeat(64) },
    },
    plaintext: utf8('tavoite'),
    epochKey,
    identityKey: author.identityKeyPair.privateKey,
  });
}

const keys = new Map([
  [deviceKey(authorRef), author.identityKeyPair.publicKey.serialize()],
  [deviceKey(otherRef), other.identityKeyPair.publicKey.serialize()],
]);

function open(envelope: WireEnvelope) {
  return openEnvelope(envelope, {
    workspaceId: 'ws',
    stream: 'doc:plan',
    identityOf: (ref) => keys.get(deviceKey(ref)),
    epochKeyOf: (epoch) => (epoch === 1 ? epochKey : undefined),
  });
}

describe('envelope tampering', () => {
  it('a flipped bit in any part is caught by the signature, and the original is untouched', () => {
    const original = sealed();
    for (const part of ENVELOPE_PARTS) {
      const flipped = flipBit(original, part);
      expect(bytesEqual(flipped[part], original[part])).toBe(false);
      expect(open(flipped)).toMatchObject({ ok: false, code: 'bad_signature' });
    }
    expect(open(original).ok).toBe(true);
    expect(() => flipBit(original, 'nonce', 96)).toThrow(RangeError);
  });

  it('flipping the header keeps it decodable (the low bit of the chain head\'s hash)', () => {
    const decoded = decodeHeader(flipBit(sealed(), 'header').header);
    expect(decoded).toMatchObject({ ok: true, header: { sentAt: 1_700_000_000_000, clock: 3, chainHead: { seq: 0, hash: `${'0'.repeat(63)}1` } } });
  });

  it('a truncated ciphertext no longer verifies', () => {
    const original = sealed();
    const cut = truncateCiphertext(original);
    expect(cut.ciphertext.byteLength).toBeLessThan(original.ciphertext.byteLength);
    expect(cut.ciphertext.byteLength).toBeGreaterThanOrEqual(16);
    expect(open(cut)).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  it('re-signing with the true key reproduces a valid envelope (the digest matches crypto/)', () => {
    const again = resign(sealed(), author.identityKeyPair.privateKey);
    expect(verifyEnvelopeSignature(again, author.identityKeyPair.publicKey.serialize()).ok).toBe(true);
    expect(open(again).ok).toBe(true);
  });

  it("re-signing with another device's key fails as the author, and naming that device breaks the AEAD", () => {
    const original = sealed();
    const forged = resign(original, other.identityKeyPair.privateKey);
    expect(open(forged)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(envelopeId(forged)).not.toBe(envelopeId(original));
    const claimed = resign(original, other.identityKeyPair.privateKey, otherRef);
    expect(verifyEnvelopeSignature(claimed, other.identityKeyPair.publicKey.serialize()).ok).toBe(true);
    expect(open(claimed)).toMatchObject({ ok: false, code: 'wrong_key' });
  });
});
