/**
 * Field-level schemas shared by the REST and socket.io shapes: identifiers, bounded
 * text, integers, base64 and raw bytes, and the query-string parsers. Every wire shape
 * of the protocol module is built from these so that one bound means one thing.
 */
import { z } from 'zod';
import { fromBase64 } from '../bytes';
import type { Bytes } from '../bytes';
import { ROLES } from '../types';

// The device-level fields are identity.ts's, re-exported so that the server and the
// agent find every wire field in this one module.
export { deviceIdSchema, deviceRefSchema, registrationIdSchema } from '../identity';

/** Server-assigned identifiers (orgs, users, workspaces, blobs, mailbox items, challenges …). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** An identifier: 1–64 characters of `[A-Za-z0-9_-]`, safe in paths and log lines. */
export const idSchema = z.string().regex(ID_PATTERN, 'must be 1-64 characters of [A-Za-z0-9_-]');

/** A non-negative safe integer (sequence numbers, counts). `z.int()` already refuses NaN and ±Infinity. */
export const nonNegativeIntSchema = z.int().min(0);

/** Milliseconds since the Unix epoch (server or author clock). */
export const timestampMsSchema = z.int().min(0);

/** A role of types.ts `ROLES`. */
export const roleSchema = z.enum(ROLES);

/** Roles an org admin may enrol: every role except `client` (clients come in by invitation). */
export const professionalRoleSchema = roleSchema.exclude(['client']);

/**
 * Characters never allowed in human-readable text: C0/C1 controls, and bidirectional
 * overrides/isolates, which could make one name render as another (`Trojan Source`).
 */
const FORBIDDEN_TEXT = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** Human-readable text (names, labels): 1..maxChars, not blank, no control or bidi characters. */
export function textSchema(maxChars: number) {
  return z
    .string()
    .min(1)
    .max(maxChars)
    .refine((s) => /\S/u.test(s), 'must not be blank')
    .refine((s) => !FORBIDDEN_TEXT.test(s), 'must not contain control or bidirectional-override characters');
}

/** A display name of a person. */
export const displayNameSchema = textSchema(100);

/** The name of an organisation. */
export const orgNameSchema = textSchema(200);

/**
 * The id of a one-time code (enrolment, invitation, device link): `enr_`, `inv_` or `lnk_`
 * and 12 base64url characters. The code's secret never reaches the server.
 */
export const codeIdSchema = z.string().regex(/^(?:enr|inv|lnk)_[A-Za-z0-9_-]{12}$/, 'malformed code id');

/** A one-time code as a person types it (`<id>.<secret>.<root fingerprint>[.<device id>]`); parsed with certificates/codes. */
export const oneTimeCodeSchema = z.string().max(200).regex(/^\s*(?:enr|inv|lnk)_[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}(?:\.[1-9][0-9]{0,2})?\s*$/, 'malformed code');

/** A session token issued by `POST /v1/auth/login`; opaque to clients, stored hashed by the server. */
export const sessionTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{32,128}$/, 'malformed token');

/**
 * A stream of a workspace (docs/design.md §6): `chat`, `presence`, `records` (§11), or `doc:<id>` (`doc:plan`,
 * `doc:<meetingId>`).
 */
export const streamNameSchema = z
  .string()
  .regex(/^(?:chat|presence|records|doc:[A-Za-z0-9_-]{1,64})$/, 'must be chat, presence, records or doc:<id>');

/** A snapshot id, or '' for "no snapshot yet" (the state before a stream's first snapshot). */
export const snapshotRefSchema = z.union([z.literal(''), idSchema]);

/** Lower-case hex SHA-256. */
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/**
 * Standard base64 (bytes.ts `fromBase64`, strict) whose decoded length lies in
 * [minBytes, maxBytes]. The string length is bounded first so no huge string is decoded.
 */
export function base64BytesSchema(minBytes: number, maxBytes: number) {
  return z
    .string()
    .max(Math.ceil(maxBytes / 3) * 4)
    .refine((text) => {
      const bytes = fromBase64(text);
      return bytes !== undefined && bytes.byteLength >= minBytes && bytes.byteLength <= maxBytes;
    }, `must be base64 of ${minBytes === maxBytes ? `${minBytes}` : `${minBytes}-${maxBytes}`} bytes`);
}

/** True for a Uint8Array (Buffer included) on a plain ArrayBuffer, i.e. usable as {@link Bytes}. */
function isBytes(value: unknown): value is Bytes {
  return value instanceof Uint8Array && value.buffer instanceof ArrayBuffer;
}

/**
 * Raw bytes as socket.io delivers them (a Buffer on Node) with a length in
 * [minBytes, maxBytes]. Not copied: the parsed value is the received view.
 */
export function rawBytesSchema(minBytes: number, maxBytes: number) {
  const range = minBytes === maxBytes ? `${minBytes}` : `${minBytes}-${maxBytes}`;
  return z
    .custom<Bytes>(isBytes, 'must be a Uint8Array')
    .refine((b) => b.byteLength >= minBytes && b.byteLength <= maxBytes, `must be ${range} bytes`);
}

/**
 * A decimal integer in a query string (`?limit=50`): digits only, no sign, no
 * exponent, no leading zeros, no whitespace, then bounded. Arrays (`?a=1&a=2`) fail.
 */
export function queryIntSchema(min: number, max: number) {
  return z
    .string()
    .regex(/^(?:0|[1-9][0-9]{0,15})$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.int().min(min).max(max));
}

/**
 * A record whose size is checked BEFORE any entry is parsed (so a million keys cost
 * one `Object.keys`, not a million parses), then parsed entry by entry.
 */
export function boundedRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(
  key: K,
  value: V,
  maxEntries: number,
) {
  return z
    .custom<Record<string, unknown>>(
      (input) =>
        typeof input === 'object' &&
        input !== null &&
        !Array.isArray(input) &&
        Object.keys(input).length <= maxEntries,
      `must be an object of at most ${maxEntries} entries`,
    )
    .pipe(z.record(key, value));
}

/**
 * Keys of string-valued detail records: start with a letter (so never `__proto__`),
 * then letters, digits and underscores.
 */
export const detailKeySchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'malformed key');
