/**
 * Prekeys: generating them (private records for the device's own stores, public parts for
 * the server) and verifying public parts that arrive from the network. The server calls the
 * verifiers before storing anything, agents call them before building a session.
 */
import { KEMKeyPair, KEMPublicKey, KyberPreKeyRecord, PreKeyRecord, PrivateKey, PublicKey, SignedPreKeyRecord } from '@signalapp/libsignal-client';
import { z } from 'zod';
import { bytesEqual, fromBase64, toBase64, toBytes } from './bytes';
import type { DeviceIdentity } from './identity';
import { deviceRefSchema, registrationIdSchema } from './identity';
import type { ClaimedBundle, PrekeyUpload, PublicPrekey, SignedPublicPrekey } from './types';
import { MAX_DEVICE_ID, MIN_DEVICE_ID } from './types';

/** The most one-time prekeys of each kind (EC, Kyber) one upload may carry. */
export const MAX_ONE_TIME_PREKEYS_PER_UPLOAD = 200;

/** Prekey ids are 24-bit in libsignal's wire format. */
export const MAX_PREKEY_ID = 0xffffff;

/** A serialized EC public key is 33 bytes; Kyber-1024 is 1569. Room is left, not unlimited room. */
const MAX_PUBLIC_KEY_BYTES = 2048;
/** XEdDSA signatures are exactly 64 bytes. */
const SIGNATURE_BYTES = 64;

/** Characters of standard padded base64 needed for `bytes` bytes. */
function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

const isStrictBase64 = (text: string): boolean => fromBase64(text) !== undefined;

const publicKeyText = z
  .string()
  .min(1)
  .max(base64Length(MAX_PUBLIC_KEY_BYTES))
  .refine(isStrictBase64, 'not canonical base64');
const signatureText = z.string().length(base64Length(SIGNATURE_BYTES)).refine(isStrictBase64, 'not canonical base64');
const prekeyIdSchema = z.int().min(0).max(MAX_PREKEY_ID);

/** A signed public prekey (EC signed prekey or Kyber prekey) from untrusted JSON. */
export const signedPublicPrekeySchema = z.object({ id: prekeyIdSchema, publicKey: publicKeyText, signature: signatureText });

/** A one-time EC public prekey from untrusted JSON. */
const publicPrekeySchema = z.object({ id: prekeyIdSchema, publicKey: publicKeyText });

/** The one-time parts of an upload; alone they form a top-up. */
export const prekeyTopUpSchema = z.object({
  oneTimePreKeys: z.array(publicPrekeySchema).max(MAX_ONE_TIME_PREKEYS_PER_UPLOAD),
  oneTimeKyberPreKeys: z.array(signedPublicPrekeySchema).max(MAX_ONE_TIME_PREKEYS_PER_UPLOAD),
});

/** A device's full prekey upload (enrolment) from untrusted JSON. Signatures are checked by {@link verifyPrekeyUpload}. */
export const prekeyUploadSchema = z.object({
  identityKey: publicKeyText,
  registrationId: registrationIdSchema,
  deviceId: z.int().min(MIN_DEVICE_ID).max(MAX_DEVICE_ID),
  signedPreKey: signedPublicPrekeySchema,
  lastResortKyberPreKey: signedPublicPrekeySchema,
  oneTimePreKeys: prekeyTopUpSchema.shape.oneTimePreKeys,
  oneTimeKyberPreKeys: prekeyTopUpSchema.shape.oneTimeKyberPreKeys,
});

/** A bundle handed out by the prekey directory, from untrusted JSON. Signatures are checked by {@link verifyClaimedBundle}. */
export const claimedBundleSchema = z.object({
  device: deviceRefSchema,
  registrationId: registrationIdSchema,
  identityKey: publicKeyText,
  signedPreKey: signedPublicPrekeySchema,
  kyberPreKey: signedPublicPrekeySchema,
  preKey: publicPrekeySchema.optional(),
});

// Compile-time proof that what the schemas accept is what the shared types describe.
const _uploadSchemaMatchesType: z.ZodType<PrekeyUpload> = prekeyUploadSchema;
const _bundleSchemaMatchesType: z.ZodType<ClaimedBundle> = claimedBundleSchema;

// ---------------------------------------------------------------------------------------
// Generation

/** Private prekey records a device keeps in its own stores (see installPrekeys). */
export interface PrekeyRecords {
  readonly signedPreKey: SignedPreKeyRecord;
  readonly lastResortKyberPreKey: KyberPreKeyRecord;
  readonly preKeys: readonly PreKeyRecord[];
  readonly kyberPreKeys: readonly KyberPreKeyRecord[];
}

/** Id choices for {@link generatePrekeys}; one-time ids run consecutively from the first ones. */
export interface PrekeyIds {
  readonly signedPreKeyId: number;
  readonly lastResortKyberId: number;
  readonly firstPreKeyId: number;
  readonly firstKyberId: number;
  /** how many one-time prekeys of each kind, 0..MAX_ONE_TIME_PREKEYS_PER_UPLOAD */
  readonly count: number;
}

/** Records and public parts of a batch of one-time prekeys. */
export interface OneTimePrekeys {
  readonly records: { readonly preKeys: readonly PreKeyRecord[]; readonly kyberPreKeys: readonly KyberPreKeyRecord[] };
  readonly upload: { readonly oneTimePreKeys: readonly PublicPrekey[]; readonly oneTimeKyberPreKeys: readonly SignedPublicPrekey[] };
}

function requireId(name: string, id: number): void {
  if (!prekeyIdSchema.safeParse(id).success) throw new RangeError(`${name} must be an integer in 0..${MAX_PREKEY_ID}`);
}

function signedPublic(id: number, publicKey: Uint8Array, signature: Uint8Array): SignedPublicPrekey {
  return { id, publicKey: toBase64(publicKey), signature: toBase64(signature) };
}

function generateKyberPreKey(identity: DeviceIdentity, id: number, now: number): KyberPreKeyRecord {
  const keyPair = KEMKeyPair.generate();
  const signature = identity.identityKeyPair.privateKey.sign(keyPair.getPublicKey().serialize());
  return KyberPreKeyRecord.new(id, now, keyPair, signature);
}

function kyberPublic(record: KyberPreKeyRecord): SignedPublicPrekey {
  return signedPublic(record.id(), record.publicKey().serialize(), record.signature());
}

/**
 * A new signed EC prekey, for enrolment and rotation. Throws RangeError for an id outside
 * 0..0xFFFFFF (a programming error).
 */
export function generateSignedPreKey(identity: DeviceIdentity, id: number): { record: SignedPreKeyRecord; upload: SignedPublicPrekey } {
  requireId('signedPreKeyId', id);
  const privateKey = PrivateKey.generate();
  const publicKey = privateKey.getPublicKey();
  const signature = identity.identityKeyPair.privateKey.sign(publicKey.serialize());
  const record = SignedPreKeyRecord.new(id, Date.now(), publicKey, privateKey, signature);
  return { record, upload: signedPublic(id, publicKey.serialize(), signature) };
}

/**
 * A batch of one-time EC and one-time (signed) Kyber prekeys, for enrolment and top-ups.
 * Throws RangeError when the count or any resulting id is out of range (a programming error;
 * the caller chooses ids and must wrap or reset them itself).
 */
export function generateOneTimePrekeys(
  identity: DeviceIdentity,
  ids: { readonly firstPreKeyId: number; readonly firstKyberId: number; readonly count: number },
): OneTimePrekeys {
  const { firstPreKeyId, firstKyberId, count } = ids;
  if (!Number.isInteger(count) || count < 0 || count > MAX_ONE_TIME_PREKEYS_PER_UPLOAD) {
    throw new RangeError(`count must be an integer in 0..${MAX_ONE_TIME_PREKEYS_PER_UPLOAD}`);
  }
  requireId('firstPreKeyId', firstPreKeyId);
  requireId('firstKyberId', firstKyberId);
  if (count > 0) {
    requireId('last one-time prekey id', firstPreKeyId + count - 1);
    requireId('last one-time Kyber prekey id', firstKyberId + count - 1);
  }
  const now = Date.now();
  const preKeys: PreKeyRecord[] = [];
  const kyberPreKeys: KyberPreKeyRecord[] = [];
  for (let i = 0; i < count; i++) {
    const privateKey = PrivateKey.generate();
    preKeys.push(PreKeyRecord.new(firstPreKeyId + i, privateKey.getPublicKey(), privateKey));
    kyberPreKeys.push(generateKyberPreKey(identity, firstKyberId + i, now));
  }
  return {
    records: { preKeys, kyberPreKeys },
    upload: {
      oneTimePreKeys: preKeys.map((r) => ({ id: r.id(), publicKey: toBase64(r.publicKey().serialize()) })),
      oneTimeKyberPreKeys: kyberPreKeys.map(kyberPublic),
    },
  };
}

/**
 * Everything a device uploads at enrolment: signed EC prekey, last-resort Kyber prekey and
 * `count` one-time prekeys of each kind, with the private records to install locally.
 * Throws RangeError for out-of-range ids or count, or when the last-resort Kyber id collides
 * with a one-time Kyber id (both live in the same Kyber store).
 */
export function generatePrekeys(identity: DeviceIdentity, ids: PrekeyIds): { records: PrekeyRecords; upload: PrekeyUpload } {
  requireId('lastResortKyberId', ids.lastResortKyberId);
  if (ids.lastResortKyberId >= ids.firstKyberId && ids.lastResortKyberId < ids.firstKyberId + ids.count) {
    throw new RangeError('lastResortKyberId collides with a one-time Kyber prekey id');
  }
  const signed = generateSignedPreKey(identity, ids.signedPreKeyId);
  const lastResort = generateKyberPreKey(identity, ids.lastResortKyberId, Date.now());
  const oneTime = generateOneTimePrekeys(identity, ids);
  return {
    records: {
      signedPreKey: signed.record,
      lastResortKyberPreKey: lastResort,
      preKeys: oneTime.records.preKeys,
      kyberPreKeys: oneTime.records.kyberPreKeys,
    },
    upload: {
      identityKey: toBase64(identity.identityKeyPair.publicKey.serialize()),
      registrationId: identity.registrationId,
      deviceId: identity.deviceId,
      signedPreKey: signed.upload,
      lastResortKyberPreKey: kyberPublic(lastResort),
      oneTimePreKeys: oneTime.upload.oneTimePreKeys,
      oneTimeKyberPreKeys: oneTime.upload.oneTimeKyberPreKeys,
    },
  };
}

// ---------------------------------------------------------------------------------------
// Verification

/** A public key or signature that is not what it claims to be. */
export type PrekeyKeyProblem = {
  readonly ok: false;
  readonly code: 'malformed' | 'bad_signature';
  readonly detail: string;
};

/** Why a set of public prekeys was refused. */
export type PrekeyRejection =
  | PrekeyKeyProblem
  | { readonly ok: false; readonly code: 'identity_mismatch'; readonly detail: string };

const malformed = (detail: string): PrekeyKeyProblem => ({ ok: false, code: 'malformed', detail });
const badSignature = (detail: string): PrekeyKeyProblem => ({ ok: false, code: 'bad_signature', detail });

function parseEcKey(text: string): PublicKey | undefined {
  const bytes = fromBase64(text);
  if (bytes === undefined) return undefined;
  try {
    return PublicKey.deserialize(bytes);
  } catch {
    return undefined;
  }
}

function parseKyberKey(text: string): KEMPublicKey | undefined {
  const bytes = fromBase64(text);
  if (bytes === undefined) return undefined;
  try {
    return KEMPublicKey.deserialize(bytes);
  } catch {
    return undefined;
  }
}

// The signature covers the serialized public key exactly as uploaded, as in Signal.
function signatureValid(identity: PublicKey, prekey: SignedPublicPrekey): boolean {
  const publicKey = fromBase64(prekey.publicKey);
  const signature = fromBase64(prekey.signature);
  if (publicKey === undefined || signature === undefined) return false;
  try {
    return identity.verify(publicKey, signature);
  } catch {
    return false;
  }
}

function checkSignedEc(identity: PublicKey, label: string, prekey: SignedPublicPrekey): PrekeyKeyProblem | undefined {
  if (parseEcKey(prekey.publicKey) === undefined) return malformed(`${label}: not an EC public key`);
  return signatureValid(identity, prekey) ? undefined : badSignature(`${label} ${prekey.id}: signature does not verify`);
}

function checkSignedKyber(identity: PublicKey, label: string, prekey: SignedPublicPrekey): PrekeyKeyProblem | undefined {
  if (parseKyberKey(prekey.publicKey) === undefined) return malformed(`${label}: not a Kyber public key`);
  return signatureValid(identity, prekey) ? undefined : badSignature(`${label} ${prekey.id}: signature does not verify`);
}

function checkUniqueIds(label: string, ids: readonly number[]): PrekeyKeyProblem | undefined {
  return new Set(ids).size === ids.length ? undefined : malformed(`${label}: duplicate ids`);
}

function checkTopUpParts(
  identity: PublicKey,
  parts: z.infer<typeof prekeyTopUpSchema>,
  lastResortKyberId?: number,
): PrekeyKeyProblem | undefined {
  const kyberIds = parts.oneTimeKyberPreKeys.map((k) => k.id);
  if (lastResortKyberId !== undefined) kyberIds.push(lastResortKyberId);
  const duplicate =
    checkUniqueIds('one-time prekeys', parts.oneTimePreKeys.map((k) => k.id)) ?? checkUniqueIds('Kyber prekeys', kyberIds);
  if (duplicate) return duplicate;
  for (const prekey of parts.oneTimePreKeys) {
    if (parseEcKey(prekey.publicKey) === undefined) return malformed(`one-time prekey ${prekey.id}: not an EC public key`);
  }
  for (const prekey of parts.oneTimeKyberPreKeys) {
    const problem = checkSignedKyber(identity, 'one-time Kyber prekey', prekey);
    if (problem) return problem;
  }
  return undefined;
}

/** Parse, or say why not, in the shape every verifier returns. */
function parseWith<T>(schema: z.ZodType<T>, input: unknown): { ok: true; data: T } | PrekeyKeyProblem {
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, data: parsed.data } : malformed(z.prettifyError(parsed.error));
}

/** The identity key the caller trusts (e.g. from the enrolment request), or a rejection. */
function trustedIdentity(identityPublicKey: Uint8Array): PublicKey | PrekeyKeyProblem {
  if (!(identityPublicKey instanceof Uint8Array)) return malformed('identity key is not bytes');
  try {
    return PublicKey.deserialize(toBytes(identityPublicKey));
  } catch {
    return malformed('identity key is not a valid public key');
  }
}

/**
 * Verify a full prekey upload against the identity key it must belong to: shape and sizes,
 * the identity key itself, unique ids, and the identity's signature on the signed EC
 * prekey, the last-resort Kyber prekey and every one-time Kyber prekey. Never throws.
 */
export function verifyPrekeyUpload(
  identityPublicKey: Uint8Array,
  upload: unknown,
): { ok: true; upload: PrekeyUpload } | PrekeyRejection {
  const parsed = parseWith(prekeyUploadSchema, upload);
  if (!parsed.ok) return parsed;
  const data = parsed.data;
  const identity = trustedIdentity(identityPublicKey);
  if (!(identity instanceof PublicKey)) return identity;
  const uploaded = fromBase64(data.identityKey);
  if (uploaded === undefined || !bytesEqual(uploaded, identityPublicKey)) {
    return { ok: false, code: 'identity_mismatch', detail: 'upload is for a different identity key' };
  }
  const problem =
    checkSignedEc(identity, 'signed prekey', data.signedPreKey) ??
    checkSignedKyber(identity, 'last-resort Kyber prekey', data.lastResortKyberPreKey) ??
    checkTopUpParts(identity, data, data.lastResortKyberPreKey.id);
  return problem ?? { ok: true, upload: data };
}

/**
 * Verify a top-up (`{ oneTimePreKeys, oneTimeKyberPreKeys }`) against the device's
 * registered identity key: shape, unique ids within the batch, every Kyber signature.
 * Uniqueness against keys already stored is the store's job. Never throws.
 */
export function verifyPrekeyTopUp(
  identityPublicKey: Uint8Array,
  topUp: unknown,
): { ok: true; topUp: z.infer<typeof prekeyTopUpSchema> } | PrekeyRejection {
  const parsed = parseWith(prekeyTopUpSchema, topUp);
  if (!parsed.ok) return parsed;
  const identity = trustedIdentity(identityPublicKey);
  if (!(identity instanceof PublicKey)) return identity;
  return checkTopUpParts(identity, parsed.data) ?? { ok: true, topUp: parsed.data };
}

/** Verify a replacement signed EC prekey against the device's registered identity key. Never throws. */
export function verifySignedPreKey(
  identityPublicKey: Uint8Array,
  signedPreKey: unknown,
): { ok: true; signedPreKey: SignedPublicPrekey } | PrekeyRejection {
  const parsed = parseWith(signedPublicPrekeySchema, signedPreKey);
  if (!parsed.ok) return parsed;
  const identity = trustedIdentity(identityPublicKey);
  if (!(identity instanceof PublicKey)) return identity;
  return checkSignedEc(identity, 'signed prekey', parsed.data) ?? { ok: true, signedPreKey: parsed.data };
}

/**
 * Verify a claimed bundle before building a session from it: shape, keys of the right
 * kind, and the bundle identity's signatures on the signed EC prekey and the Kyber prekey.
 * Whether that identity is the one we expect is the identity store's decision. Never throws.
 */
export function verifyClaimedBundle(
  bundle: unknown,
): { ok: true; bundle: ClaimedBundle } | PrekeyKeyProblem {
  const parsed = parseWith(claimedBundleSchema, bundle);
  if (!parsed.ok) return parsed;
  const data = parsed.data;
  const identity = parseEcKey(data.identityKey);
  if (identity === undefined) return malformed('identity key is not a valid public key');
  if (data.preKey !== undefined && parseEcKey(data.preKey.publicKey) === undefined) {
    return malformed('one-time prekey: not an EC public key');
  }
  const problem =
    checkSignedEc(identity, 'signed prekey', data.signedPreKey) ?? checkSignedKyber(identity, 'Kyber prekey', data.kyberPreKey);
  return problem ?? { ok: true, bundle: data };
}
