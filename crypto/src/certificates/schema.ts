/**
 * zod schemas of certificates as they arrive from the server or another agent. Objects are
 * strict (an unknown key is refused), so what was parsed is exactly what was signed; every
 * string is bounded, keys must deserialize as libsignal public keys.
 */
import { z } from 'zod';
import { fromBase64 } from '../bytes';
import { publicKeyFromBase64 } from '../identity';
import { deviceIdSchema, deviceRefSchema, displayNameSchema, idSchema, orgNameSchema, sha256HexSchema } from '../protocol/fields';
import type { Certificate } from './types';

/** Size of a decoded certificate signature (XEdDSA). */
const CERTIFICATE_SIGNATURE_BYTES = 64;
/** Largest validity window a certificate may claim (10 years), so "forever" is never written down. */
export const MAX_VALIDITY_MS = 10 * 366 * 24 * 3600 * 1000;
/** Largest serial of a user certificate. */
export const MAX_SERIAL = 2 ** 48;

const timeSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A serialized libsignal public key in base64. */
export const publicKeyFieldSchema = z
  .string()
  .max(64)
  .refine((text) => publicKeyFromBase64(text) !== undefined, 'must be base64 of a serialized public key');

const professionalRoleSchema = z.enum(['kela_expert', 'social_worker', 'health_professional', 'employment_advisor', 'teacher', 'interpreter']);

const validity = {
  notBefore: timeSchema,
  notAfter: timeSchema,
};

const validityOk = (body: { notBefore: number; notAfter: number }): boolean =>
  body.notAfter > body.notBefore && body.notAfter - body.notBefore <= MAX_VALIDITY_MS;

const orgCertificateBodySchema = z
  .strictObject({ t: z.literal('org'), v: z.literal(1), orgId: idSchema, name: orgNameSchema, orgKey: publicKeyFieldSchema, ...validity })
  .refine(validityOk, 'notAfter must follow notBefore, at most 10 years later');

const userCertificateBodySchema = z
  .strictObject({
    t: z.literal('user'),
    v: z.literal(1),
    userId: idSchema,
    orgId: idSchema,
    role: professionalRoleSchema,
    displayName: displayNameSchema,
    userKey: publicKeyFieldSchema,
    ...validity,
    serial: z.int().min(1).max(MAX_SERIAL),
  })
  .refine(validityOk, 'notAfter must follow notBefore, at most 10 years later');

const deviceCertificateBodySchema = z.strictObject({
  t: z.literal('device'),
  v: z.literal(1),
  userId: idSchema,
  deviceId: deviceIdSchema,
  identityKey: publicKeyFieldSchema,
  created: timeSchema,
});

const clientCertificateBodySchema = z.strictObject({
  t: z.literal('client'),
  v: z.literal(1),
  clientUserId: idSchema,
  nameCommitment: sha256HexSchema,
  userKey: publicKeyFieldSchema,
  workspaceId: idSchema,
  invitedBy: z.strictObject(deviceRefSchema.shape),
  created: timeSchema,
});

const userRevocationBodySchema = z.strictObject({
  t: z.literal('user_revocation'),
  v: z.literal(1),
  orgId: idSchema,
  userId: idSchema,
  serial: z.int().min(1).max(MAX_SERIAL),
  revokedAt: timeSchema,
});

const deviceRevocationBodySchema = z.strictObject({
  t: z.literal('device_revocation'),
  v: z.literal(1),
  userId: idSchema,
  deviceId: deviceIdSchema,
  identityKey: publicKeyFieldSchema,
  revokedAt: timeSchema,
});

const signatureSchema = z
  .string()
  .max(Math.ceil(CERTIFICATE_SIGNATURE_BYTES / 3) * 4)
  .refine((s) => fromBase64(s)?.byteLength === CERTIFICATE_SIGNATURE_BYTES, 'must be base64 of 64 bytes');

const signed = <B extends z.ZodType>(body: B) => z.strictObject({ body, signature: signatureSchema });

/** Any signed certificate; the body's schema is chosen by its `t`. */
export const certificateSchema = z.union([
  signed(orgCertificateBodySchema),
  signed(userCertificateBodySchema),
  signed(deviceCertificateBodySchema),
  signed(clientCertificateBodySchema),
  signed(userRevocationBodySchema),
  signed(deviceRevocationBodySchema),
]);

/** Result of {@link parseCertificate}. */
export type ParseCertificateResult = { readonly ok: true; readonly certificate: Certificate } | { readonly ok: false; readonly detail: string };

/** Parses an untrusted value as a certificate (its signature is not checked). Never throws. */
export function parseCertificate(value: unknown): ParseCertificateResult {
  try {
    const parsed = certificateSchema.safeParse(value);
    if (!parsed.success) return { ok: false, detail: z.prettifyError(parsed.error) };
    // The union's members are exactly the Certificate variants.
    return { ok: true, certificate: parsed.data as Certificate };
  } catch {
    // Only reachable with exotic values (throwing getters, proxies): never JSON.
    return { ok: false, detail: 'unreadable value' };
  }
}
