/**
 * One-time codes and what is derived from their secrets. A code is
 * `<kind>_<id>.<secret>.<root fingerprint>`, and a device-link code adds `.<device id>`
 * (the id the server reserved for the new device, which its keys are generated for):
 * - the id (with its kind prefix) is all the server ever learns;
 * - the secret stays with whoever issued the code (the organisation's admin tool, the
 *   inviting professional's agent, the approving device) and with whoever redeems it; the
 *   redeeming device proves knowledge of it with an HMAC over the public keys it registers,
 *   so the server can neither read the secret nor substitute the keys;
 * - the root fingerprint is pinned by the redeeming agent: it names the deployment root
 *   every certificate must chain to.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { bytesEqual, canonicalJson, concatBytes, randomBytes, sha256, toBytes, toHex, utf8 } from '../bytes';
import type { Bytes } from '../bytes';

/** The kinds of one-time code and the prefix each one's id carries. */
export const CODE_KIND_PREFIXES = { enrolment: 'enr', invitation: 'inv', device_link: 'lnk' } as const;
export type CodeKind = keyof typeof CODE_KIND_PREFIXES;

/** Random bytes of a code id (12 base64url characters). */
const CODE_ID_BYTES = 9;
/** Random bytes of a code secret (22 base64url characters, 128 bits). */
const CODE_SECRET_BYTES = 16;
/** Bytes of a root fingerprint (22 base64url characters, 128 bits). */
const ROOT_FINGERPRINT_BYTES = 16;

/** A code id as the server sees it: kind prefix, `_`, 12 base64url characters. */
const CODE_ID_PATTERN = /^(enr|inv|lnk)_[A-Za-z0-9_-]{12}$/;
const CODE_PATTERN = /^((?:enr|inv|lnk)_[A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})(?:\.([1-9][0-9]{0,2}))?$/;

/** A parsed one-time code. */
export interface OneTimeCode {
  readonly kind: CodeKind;
  /** `<prefix>_<id>`: what the server stores and the enrolment names */
  readonly codeId: string;
  readonly secret: Bytes;
  /** base64url fingerprint of the deployment root the redeemer pins */
  readonly rootFingerprint: string;
  /** device-link codes only: the device id reserved for the new device */
  readonly deviceId?: number;
}

function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Strict base64url of exactly `length` bytes (the canonical encoding only). */
function fromBase64Url(text: string, length: number): Bytes | undefined {
  const bytes = toBytes(Buffer.from(text, 'base64url'));
  if (bytes.byteLength !== length || toBase64Url(bytes) !== text) return undefined;
  return bytes;
}

const KIND_OF_PREFIX: Readonly<Record<string, CodeKind>> = { enr: 'enrolment', inv: 'invitation', lnk: 'device_link' };

/** The kind a code id names by its prefix, or undefined for anything else. */
export function codeKindOfId(codeId: string): CodeKind | undefined {
  if (!CODE_ID_PATTERN.test(codeId)) return undefined;
  return KIND_OF_PREFIX[codeId.slice(0, 3)];
}

/**
 * The user id an enrolment or invitation code creates: derived from the code id, so the
 * redeeming device knows whom it is before the server answers and can sign its first
 * device certificate in the same request (the server must create the user under this id).
 * One-way, so that a user id seen anywhere never reveals a code id that could still be
 * redeemed by someone else first.
 */
export function userIdForCode(codeId: string): string {
  return `u_${toBase64Url(sha256(utf8('yhteispoyta/code-user-id/v1\n'), utf8(codeId)).subarray(0, 12))}`;
}

/** A fresh code of `kind` for the deployment with `rootFingerprint`. */
export function newOneTimeCode(kind: CodeKind, rootFingerprint: string): OneTimeCode {
  const codeId = `${CODE_KIND_PREFIXES[kind]}_${toBase64Url(randomBytes(CODE_ID_BYTES))}`;
  return { kind, codeId, secret: randomBytes(CODE_SECRET_BYTES), rootFingerprint };
}

/** The code as the person types or pastes it. */
export function formatOneTimeCode(code: OneTimeCode): string {
  const base = `${code.codeId}.${toBase64Url(code.secret)}.${code.rootFingerprint}`;
  return code.deviceId === undefined ? base : `${base}.${code.deviceId}`;
}

/**
 * Parse a typed code. Surrounding whitespace is ignored (pasted codes carry it); anything
 * else that is not exactly a code gives undefined. Never throws.
 */
export function parseOneTimeCode(text: unknown): OneTimeCode | undefined {
  if (typeof text !== 'string' || text.length > 200) return undefined;
  const match = CODE_PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const [, codeId, secretText, rootFingerprint, deviceText] = match as unknown as [string, string, string, string, string | undefined];
  const kind = codeKindOfId(codeId);
  const secret = fromBase64Url(secretText, CODE_SECRET_BYTES);
  if (kind === undefined || secret === undefined || fromBase64Url(rootFingerprint, ROOT_FINGERPRINT_BYTES) === undefined) return undefined;
  // A device id belongs to link codes, and link codes need one.
  if ((kind === 'device_link') !== (deviceText !== undefined)) return undefined;
  const deviceId = deviceText === undefined ? undefined : Number(deviceText);
  if (deviceId !== undefined && deviceId > 127) return undefined;
  return { kind, codeId, secret, rootFingerprint, ...(deviceId === undefined ? {} : { deviceId }) };
}

/** The fingerprint of a deployment root public key (serialized, 33 bytes) that codes carry. */
export function rootFingerprint(rootKey: Uint8Array): string {
  return toBase64Url(sha256(utf8('yhteispoyta/root-fingerprint/v1\n'), rootKey).subarray(0, ROOT_FINGERPRINT_BYTES));
}

/** What an enrolling device proves it binds to the code: its public keys. */
export interface EnrolmentClaim {
  readonly codeId: string;
  readonly deviceId: number;
  /** base64 of the device's identity key */
  readonly identityKey: string;
  /** base64 of the person's user key; absent when a further device of a person is linked */
  readonly userKey?: string;
}

function claimBytes(claim: EnrolmentClaim): Bytes {
  const json = { codeId: claim.codeId, deviceId: claim.deviceId, identityKey: claim.identityKey, ...(claim.userKey === undefined ? {} : { userKey: claim.userKey }) };
  return utf8(`yhteispoyta/enrolment-proof/v1\n${canonicalJson(json)}`);
}

function proofKey(secret: Uint8Array, codeId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, utf8(codeId), utf8('yhteispoyta/enrolment-proof-key/v1'), 32));
}

/** HMAC-SHA-256 under a key derived from the code's secret over the claimed keys (hex). */
export function enrolmentProof(secret: Uint8Array, claim: EnrolmentClaim): string {
  return createHmac('sha256', proofKey(secret, claim.codeId)).update(claimBytes(claim)).digest('hex');
}

/** Whether `proof` is the HMAC of `claim` under the code's secret. Constant time; never throws. */
export function checkEnrolmentProof(secret: Uint8Array, claim: EnrolmentClaim, proof: unknown): boolean {
  if (typeof proof !== 'string' || !/^[0-9a-f]{64}$/.test(proof)) return false;
  return bytesEqual(utf8(enrolmentProof(secret, claim)), utf8(proof));
}

/**
 * The six digits a person compares between a new device and the device approving it
 * ("123 456"): both derive them from the link secret and the new device's identity key.
 */
export function approvalCode(secret: Uint8Array, identityKey: Uint8Array): string {
  const digest = sha256(utf8('yhteispoyta/device-approval/v1\n'), secret, identityKey);
  const value = new DataView(digest.buffer).getUint32(0) % 1_000_000;
  const digits = value.toString().padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

/** Bytes of the random salt of a name commitment. */
const NAME_SALT_BYTES = 16;

/** A fresh salt for {@link nameCommitment}. */
export function newNameSalt(): Bytes {
  return randomBytes(NAME_SALT_BYTES);
}

/**
 * Hex SHA-256 commitment to a client's name: what a client certificate carries so that the
 * server stores no name, while a member who learns the name (inside encrypted traffic)
 * can check it is the one the inviter certified.
 */
export function nameCommitment(name: string, salt: Uint8Array): string {
  return toHex(sha256(concatBytes(utf8('yhteispoyta/client-name/v1\n'), salt, utf8(name))));
}
