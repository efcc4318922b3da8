/**
 * zod schemas for the structured values both adapters persist as JSON or subdocuments.
 * Reading them back goes through these, so a corrupt or foreign row fails loudly instead
 * of flowing on as a wrongly typed value.
 */
import { z } from 'zod';
import { parseCertificate } from '@yhteispoyta/crypto/certificates/schema';
import { certificateId } from '@yhteispoyta/crypto/certificates/signing';
import { CERTIFICATE_TYPES } from '@yhteispoyta/crypto/certificates/types';
import type { Certificate, CertificateType } from '@yhteispoyta/crypto/certificates/types';
import { MEMBERSHIP_EVENT_TYPES, ROLES, WORKSPACE_KINDS } from '@yhteispoyta/crypto/types';
import type {
  MemberInfo,
  MembershipEvent,
  PublicPrekey,
  Role,
  SignedPublicPrekey,
  WorkspaceKind,
} from '@yhteispoyta/crypto/types';
import { CODE_KINDS } from './port';
import type { CodeKind, StoredEnvelopeKind } from './port';

/** Thrown when a stored value does not have the shape it was written with. */
export class StoredValueError extends Error {
  override readonly name = 'StoredValueError';
}

const signedPrekeySchema = z.object({ id: z.number().int(), publicKey: z.string(), signature: z.string() });
const prekeySchema = z.object({ id: z.number().int(), publicKey: z.string() });
const stringRecordSchema = z.record(z.string(), z.string());
const clockRecordSchema = z.record(z.string(), z.number().int());
const memberSchema = z.object({
  userId: z.string(),
  orgId: z.string(),
  role: z.enum(ROLES),
  owner: z.boolean(),
  devices: z.array(z.object({ deviceId: z.number().int(), keyHash: z.string() })),
});
// The chain's content was verified by the server before it was stored; on the way back
// only the envelope of the event is checked.
const membershipEventSchema = z
  .object({
    workspaceId: z.string(),
    seq: z.number().int(),
    prevHash: z.string(),
    type: z.enum(MEMBERSHIP_EVENT_TYPES),
    payload: z.record(z.string(), z.unknown()),
    author: z.object({ userId: z.string(), deviceId: z.number().int() }),
    at: z.number().int(),
    signature: z.string(),
  })
  .loose();

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StoredValueError(`stored ${what} has an unexpected shape`);
  return parsed.data;
}

/** A stored signed prekey (EC signed prekey or Kyber prekey). */
export const readSignedPrekey = (v: unknown): SignedPublicPrekey => parseWith(signedPrekeySchema, v, 'signed prekey');
/** A stored one-time EC prekey. */
export const readPrekey = (v: unknown): PublicPrekey => parseWith(prekeySchema, v, 'prekey');
/** A stored string map (code detail, audit detail). */
export const readStringRecord = (v: unknown): Record<string, string> => parseWith(stringRecordSchema, v, 'string map');
/** A stored clock map (snapshot coveredClocks). */
export const readClockRecord = (v: unknown): Record<string, number> => parseWith(clockRecordSchema, v, 'clock map');
/** A stored member list of a membership view. */
export const readMembers = (v: unknown): MemberInfo[] => parseWith(z.array(memberSchema), v, 'member list');
/** A stored membership event. */
export const readMembershipEvent = (v: unknown): MembershipEvent =>
  parseWith(membershipEventSchema, v, 'membership event') as unknown as MembershipEvent;

/**
 * A stored certificate (JSON text already parsed): it must parse as the protocol's
 * certificate, of the expected type when given, with the id it is stored under when given.
 */
export function readCertificate<T extends CertificateType>(value: unknown, type?: T, id?: string): Certificate<T> {
  const parsed = parseCertificate(value);
  if (!parsed.ok) throw new StoredValueError('stored certificate does not parse');
  if (type !== undefined && parsed.certificate.body.t !== type) throw new StoredValueError(`stored certificate is not of type ${type}`);
  if (id !== undefined && certificateId(parsed.certificate) !== id) throw new StoredValueError('stored certificate does not match its id');
  return parsed.certificate as Certificate<T>;
}

/** A stored certificate type. */
export const readCertificateType = (v: unknown): CertificateType =>
  member(CERTIFICATE_TYPES, v, 'certificate type');

/** JSON text of a stored value, parsed; a corrupt text is a {@link StoredValueError}. */
export function parseStoredJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new StoredValueError(`stored ${what} is not JSON`);
  }
}

function member<T extends string>(values: readonly T[], value: unknown, what: string): T {
  const found = values.find((v) => v === value);
  if (found === undefined) throw new StoredValueError(`unexpected stored ${what}`);
  return found;
}

/** A stored role. */
export const readRole = (v: unknown): Role => member(ROLES, v, 'role');
/** A stored workspace kind. */
export const readWorkspaceKind = (v: unknown): WorkspaceKind => member(WORKSPACE_KINDS, v, 'workspace kind');
/** A stored code kind. */
export const readCodeKind = (v: unknown): CodeKind => member(CODE_KINDS, v, 'code kind');
/** A stored envelope kind. */
export const readStoredEnvelopeKind = (v: unknown): StoredEnvelopeKind =>
  member(['update', 'chat', 'records'] as const, v, 'envelope kind');
/** A stored control message kind. */
export const readControlKind = (v: unknown): 'prekey' | 'signal' => member(['prekey', 'signal'] as const, v, 'message kind');
