import { KEMKeyPair, PrivateKey } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { toBase64 } from './bytes';
import { generateDeviceIdentity } from './identity';
import {
  MAX_ONE_TIME_PREKEYS_PER_UPLOAD,
  claimedBundleSchema,
  generateOneTimePrekeys,
  generatePrekeys,
  generateSignedPreKey,
  prekeyUploadSchema,
  verifyClaimedBundle,
  verifyPrekeyTopUp,
  verifyPrekeyUpload,
  verifySignedPreKey,
} from './prekeys';
import { bundleFromUpload } from './memory-stores';
import type { PrekeyUpload, SignedPublicPrekey } from './types';

const identity = generateDeviceIdentity(2);
const identityKey = identity.identityKeyPair.publicKey.serialize();
const other = generateDeviceIdentity(2);
const ids = { signedPreKeyId: 7, lastResortKyberId: 1, firstPreKeyId: 100, firstKyberId: 200, count: 3 };
const generated = generatePrekeys(identity, ids);
const upload = generated.upload;

/** A deep, mutable copy of the upload to tamper with. */
function copy(): { -readonly [K in keyof PrekeyUpload]: PrekeyUpload[K] extends readonly (infer T)[] ? T[] : PrekeyUpload[K] } {
  return structuredClone(upload) as never;
}

/** A signed prekey signed by `other`'s identity instead. */
function forged(prekey: SignedPublicPrekey): SignedPublicPrekey {
  const bytes = Buffer.from(prekey.publicKey, 'base64');
  return { ...prekey, signature: toBase64(other.identityKeyPair.privateKey.sign(new Uint8Array(bytes))) };
}

function withoutSignature(prekey: SignedPublicPrekey): Omit<SignedPublicPrekey, 'signature'> {
  return { id: prekey.id, publicKey: prekey.publicKey };
}

describe('generatePrekeys', () => {
  it('produces records and a matching, verifiable upload', () => {
    const { records } = generated;
    expect(records.signedPreKey.id()).toBe(7);
    expect(records.lastResortKyberPreKey.id()).toBe(1);
    expect(records.preKeys.map((r) => r.id())).toEqual([100, 101, 102]);
    expect(records.kyberPreKeys.map((r) => r.id())).toEqual([200, 201, 202]);
    expect(upload.identityKey).toBe(toBase64(identityKey));
    expect(upload.registrationId).toBe(identity.registrationId);
    expect(upload.deviceId).toBe(2);
    expect(upload.signedPreKey.publicKey).toBe(toBase64(records.signedPreKey.publicKey().serialize()));
    expect(upload.oneTimeKyberPreKeys[2]?.publicKey).toBe(toBase64(records.kyberPreKeys[2]!.publicKey().serialize()));
    expect(prekeyUploadSchema.safeParse(upload).success).toBe(true);
    expect(verifyPrekeyUpload(identityKey, upload)).toEqual({ ok: true, upload });
  });

  it('refuses out-of-range ids, counts and a last-resort id inside the one-time range', () => {
    expect(() => generatePrekeys(identity, { ...ids, signedPreKeyId: 0x1000000 })).toThrow(RangeError);
    expect(() => generatePrekeys(identity, { ...ids, firstPreKeyId: 0xffffff, count: 2 })).toThrow(RangeError);
    expect(() => generatePrekeys(identity, { ...ids, count: MAX_ONE_TIME_PREKEYS_PER_UPLOAD + 1 })).toThrow(RangeError);
    expect(() => generatePrekeys(identity, { ...ids, lastResortKyberId: 201 })).toThrow(RangeError);
    expect(() => generateSignedPreKey(identity, -1)).toThrow(RangeError);
  });

  it('generates top-ups and rotated signed prekeys the verifiers accept', () => {
    const topUp = generateOneTimePrekeys(identity, { firstPreKeyId: 500, firstKyberId: 600, count: 2 });
    expect(topUp.records.preKeys.map((r) => r.id())).toEqual([500, 501]);
    expect(verifyPrekeyTopUp(identityKey, topUp.upload)).toEqual({ ok: true, topUp: topUp.upload });
    const rotated = generateSignedPreKey(identity, 8);
    expect(rotated.record.id()).toBe(8);
    expect(verifySignedPreKey(identityKey, rotated.upload)).toEqual({ ok: true, signedPreKey: rotated.upload });
    expect(verifySignedPreKey(other.identityKeyPair.publicKey.serialize(), rotated.upload)).toMatchObject({ ok: false, code: 'bad_signature' });
    const forgedTopUp = { ...topUp.upload, oneTimeKyberPreKeys: topUp.upload.oneTimeKyberPreKeys.map(forged) };
    expect(verifyPrekeyTopUp(identityKey, forgedTopUp)).toMatchObject({ ok: false, code: 'bad_signature' });
  });
});

describe('verifyPrekeyUpload rejects', () => {
  const lastResortSig = upload.lastResortKyberPreKey.signature;
  const signedSig = upload.signedPreKey.signature;
  const cases: [string, (u: ReturnType<typeof copy>) => unknown, string][] = [
    ['signed EC prekey carrying the Kyber signature', (u) => ({ ...u, signedPreKey: { ...u.signedPreKey, signature: lastResortSig } }), 'bad_signature'],
    ['last-resort Kyber carrying the EC signature', (u) => ({ ...u, lastResortKyberPreKey: { ...u.lastResortKyberPreKey, signature: signedSig } }), 'bad_signature'],
    ['one-time Kyber carrying the EC signature', (u) => { u.oneTimeKyberPreKeys[1] = { ...u.oneTimeKyberPreKeys[1]!, signature: signedSig }; return u; }, 'bad_signature'],
    ['one-time Kyber carrying another Kyber key signature', (u) => { u.oneTimeKyberPreKeys[0] = { ...u.oneTimeKyberPreKeys[0]!, signature: lastResortSig }; return u; }, 'bad_signature'],
    ['signed EC prekey signed by another identity', (u) => ({ ...u, signedPreKey: forged(u.signedPreKey) }), 'bad_signature'],
    ['last-resort Kyber signed by another identity', (u) => ({ ...u, lastResortKyberPreKey: forged(u.lastResortKyberPreKey) }), 'bad_signature'],
    ['one-time Kyber signed by another identity', (u) => { u.oneTimeKyberPreKeys[2] = forged(u.oneTimeKyberPreKeys[2]!); return u; }, 'bad_signature'],
    ['signed EC prekey without signature', (u) => ({ ...u, signedPreKey: withoutSignature(u.signedPreKey) }), 'malformed'],
    ['last-resort Kyber without signature', (u) => ({ ...u, lastResortKyberPreKey: withoutSignature(u.lastResortKyberPreKey) }), 'malformed'],
    ['one-time Kyber without signature', (u) => ({ ...u, oneTimeKyberPreKeys: [withoutSignature(u.oneTimeKyberPreKeys[0]!)] }), 'malformed'],
    ['an empty signature', (u) => ({ ...u, signedPreKey: { ...u.signedPreKey, signature: '' } }), 'malformed'],
    ['a zero signature', (u) => ({ ...u, lastResortKyberPreKey: { ...u.lastResortKyberPreKey, signature: toBase64(new Uint8Array(64)) } }), 'bad_signature'],
    ['another identity key', (u) => ({ ...u, identityKey: toBase64(other.identityKeyPair.publicKey.serialize()) }), 'identity_mismatch'],
    ['a Kyber key in the EC slot (validly signed)', (u) => ({ ...u, signedPreKey: { ...u.lastResortKyberPreKey, id: 7 } }), 'malformed'],
    ['an EC key in the Kyber slot (validly signed)', (u) => ({ ...u, lastResortKyberPreKey: { ...u.signedPreKey, id: 1 } }), 'malformed'],
    ['a one-time EC prekey that is no key', (u) => { u.oneTimePreKeys[0] = { id: 100, publicKey: toBase64(new Uint8Array(33)) }; return u; }, 'malformed'],
    ['duplicate one-time EC ids', (u) => { u.oneTimePreKeys[1] = { ...u.oneTimePreKeys[1]!, id: 100 }; return u; }, 'malformed'],
    ['a one-time Kyber id equal to the last-resort id', (u) => { u.oneTimeKyberPreKeys[0] = { ...u.oneTimeKyberPreKeys[0]!, id: 1 }; return u; }, 'malformed'],
    ['an id beyond 24 bits', (u) => ({ ...u, signedPreKey: { ...u.signedPreKey, id: 0x1000000 } }), 'malformed'],
    ['a negative id', (u) => { u.oneTimePreKeys[0] = { ...u.oneTimePreKeys[0]!, id: -1 }; return u; }, 'malformed'],
    ['a device id of 0', (u) => ({ ...u, deviceId: 0 }), 'malformed'],
    ['a registration id of 16381', (u) => ({ ...u, registrationId: 16381 }), 'malformed'],
    ['non-canonical base64', (u) => ({ ...u, signedPreKey: { ...u.signedPreKey, publicKey: `${u.signedPreKey.publicKey.slice(0, -1)}` } }), 'malformed'],
    ['an oversized public key', (u) => ({ ...u, signedPreKey: { ...u.signedPreKey, publicKey: toBase64(new Uint8Array(3000)) } }), 'malformed'],
    ['too many one-time prekeys', (u) => ({ ...u, oneTimePreKeys: Array.from({ length: 201 }, (_, i) => ({ ...u.oneTimePreKeys[0]!, id: i })) }), 'malformed'],
    ['a missing field', (u) => ({ ...u, lastResortKyberPreKey: undefined }), 'malformed'],
  ];

  it.each(cases)('%s', (_label, tamper, code) => {
    const result = verifyPrekeyUpload(identityKey, tamper(copy()));
    expect(result).toMatchObject({ ok: false, code });
  });

  it('an upload checked against another identity key', () => {
    expect(verifyPrekeyUpload(other.identityKeyPair.publicKey.serialize(), upload)).toMatchObject({ ok: false, code: 'identity_mismatch' });
  });

  it('an upload verified against a key that is not a key', () => {
    expect(verifyPrekeyUpload(new Uint8Array(33), upload)).toMatchObject({ ok: false, code: 'malformed' });
  });

  it('garbage of every type without throwing', () => {
    const inputs: unknown[] = [null, undefined, 0, 'x', [], {}, { identityKey: 1 }, new Uint8Array(10), Symbol('s'), () => 1];
    for (const input of inputs) {
      expect(verifyPrekeyUpload(identityKey, input)).toMatchObject({ ok: false, code: 'malformed' });
      expect(verifyClaimedBundle(input)).toMatchObject({ ok: false, code: 'malformed' });
      expect(verifyPrekeyTopUp(identityKey, input)).toMatchObject({ ok: false, code: 'malformed' });
      expect(verifySignedPreKey(identityKey, input)).toMatchObject({ ok: false, code: 'malformed' });
    }
    expect(verifyPrekeyUpload('not bytes' as unknown as Uint8Array, upload)).toMatchObject({ ok: false });
  });
});

describe('verifyClaimedBundle', () => {
  const bundle = bundleFromUpload('ben', upload, { preKeyIndex: 0, kyberIndex: 0 });

  it('accepts a bundle with and without a one-time EC prekey', () => {
    expect(claimedBundleSchema.safeParse(bundle).success).toBe(true);
    expect(verifyClaimedBundle(bundle)).toEqual({ ok: true, bundle });
    const exhausted = bundleFromUpload('ben', upload);
    expect(exhausted.preKey).toBeUndefined();
    expect(exhausted.kyberPreKey).toEqual(upload.lastResortKyberPreKey);
    expect(verifyClaimedBundle(exhausted)).toEqual({ ok: true, bundle: exhausted });
  });

  it.each([
    ['swapped signatures', { ...bundle, signedPreKey: { ...bundle.signedPreKey, signature: bundle.kyberPreKey.signature } }, 'bad_signature'],
    ['Kyber key signed by another identity', { ...bundle, kyberPreKey: forged(bundle.kyberPreKey) }, 'bad_signature'],
    ['signed prekey signed by another identity', { ...bundle, signedPreKey: forged(bundle.signedPreKey) }, 'bad_signature'],
    ['identity replaced (signatures no longer match)', { ...bundle, identityKey: toBase64(other.identityKeyPair.publicKey.serialize()) }, 'bad_signature'],
    ['missing Kyber signature', { ...bundle, kyberPreKey: withoutSignature(bundle.kyberPreKey) }, 'malformed'],
    ['invalid one-time EC key', { ...bundle, preKey: { id: 1, publicKey: toBase64(new Uint8Array(33)) } }, 'malformed'],
    ['device id 128', { ...bundle, device: { userId: 'ben', deviceId: 128 } }, 'malformed'],
    ['user id with a dot', { ...bundle, device: { userId: 'ben.2', deviceId: 2 } }, 'malformed'],
  ])('rejects %s', (_label, input, code) => {
    expect(verifyClaimedBundle(input)).toMatchObject({ ok: false, code });
  });

  it('accepts a fresh Kyber key only with a valid signature', () => {
    const kem = KEMKeyPair.generate();
    const publicKey = kem.getPublicKey().serialize();
    const signedByOwner = { id: 9, publicKey: toBase64(publicKey), signature: toBase64(identity.identityKeyPair.privateKey.sign(publicKey)) };
    expect(verifyClaimedBundle({ ...bundle, kyberPreKey: signedByOwner }).ok).toBe(true);
    const signedByStranger = { ...signedByOwner, signature: toBase64(PrivateKey.generate().sign(publicKey)) };
    expect(verifyClaimedBundle({ ...bundle, kyberPreKey: signedByStranger })).toMatchObject({ ok: false, code: 'bad_signature' });
  });
});
