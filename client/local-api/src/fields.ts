/**
 * The vocabulary of the local API's fields: identifiers, human-readable text, roles,
 * workspace kinds, device numbers, document names and one-time codes.
 *
 * These are the wire rules of crypto/'s protocol module written out again, because the
 * browser UI imports this package and must not import crypto/ (libsignal is a native
 * addon). client/agent/src/api/local-api-vocabulary.test.ts proves that each one accepts
 * and refuses exactly what crypto/'s original does.
 */
import { z } from 'zod';

/** Identifiers of users, organisations, workspaces, blobs, messages, transfers. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** An identifier: 1–64 characters of `[A-Za-z0-9_-]`, safe in paths and log lines. */
export const idSchema = z.string().regex(ID_PATTERN, 'must be 1-64 characters of [A-Za-z0-9_-]');

/** Milliseconds since the Unix epoch. */
export const timestampMsSchema = z.int().min(0);

/** Roles of people; `client` is the client person, every other role a professional. */
export const ROLES = ['kela_expert', 'social_worker', 'health_professional', 'employment_advisor', 'teacher', 'interpreter', 'client'] as const;
/** A role. */
export type Role = (typeof ROLES)[number];
/** A role on the wire. */
export const roleSchema = z.enum(ROLES);

/** The organisation every client person belongs to. */
export const CLIENTS_ORG_ID = 'clients';

/** The two kinds of workspace. */
export const WORKSPACE_KINDS = ['case', 'consultation'] as const;
/** A kind of workspace. */
export type WorkspaceKind = (typeof WORKSPACE_KINDS)[number];

/** Device numbers of one person run from 1 to 127 (libsignal's device id range). */
export const MIN_DEVICE_ID = 1;
/** The highest device number. */
export const MAX_DEVICE_ID = 127;
/** A device number. */
export const deviceIdSchema = z.int().min(MIN_DEVICE_ID).max(MAX_DEVICE_ID);
/** A device number as a path segment: digits only, then range-checked as a number. */
export const pathDeviceIdSchema = z.string().regex(/^[0-9]{1,3}$/, 'must be a device number').transform(Number).pipe(deviceIdSchema);

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

/** A person's display name. */
export const displayNameSchema = textSchema(100);

/** Longest workspace label (the server and the membership chain allow the same). */
export const MAX_WORKSPACE_LABEL_CHARS = 200;
/** A workspace label; it may be pseudonymous, the server sees it. */
export const workspaceLabelSchema = textSchema(MAX_WORKSPACE_LABEL_CHARS);

/** A one-time code as a person types it: `<id>.<secret>.<root fingerprint>[.<device id>]`. */
export const oneTimeCodeSchema = z
  .string()
  .max(200)
  .regex(/^\s*(?:enr|inv|lnk)_[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}(?:\.[1-9][0-9]{0,2})?\s*$/, 'malformed code');

/** Lower-case hex SHA-256. */
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** The name of a workspace document without its `doc:` prefix (`plan`, a meeting id), as in `/yjs/<workspaceId>/<docName>`. */
const DOC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** A document name. */
export const docNameSchema = z.string().regex(DOC_NAME_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, _ and -');

/** A device as answers name it: its person's user id and its number. */
export const deviceRefSchema = z.object({ userId: z.string(), deviceId: z.number().int() });
