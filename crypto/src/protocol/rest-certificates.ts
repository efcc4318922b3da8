/**
 * REST bodies of certificates (docs/design.md "Identities"): pending enrolments for the
 * code's issuer to check, storing signed certificates and revocations, and the bundles an
 * agent verifies against its pinned root. The server stores and serves; agents verify.
 */
import { z } from 'zod';
import { certificateSchema, publicKeyFieldSchema } from '../certificates/schema';
import { MAX_BUNDLE_CERTIFICATES } from '../certificates/person';
import { codeIdSchema, deviceIdSchema, displayNameSchema, idSchema, registrationIdSchema, roleSchema, sha256HexSchema, timestampMsSchema } from './fields';
import { certificateLogProofSchema } from './rest-transparency';

/** Most pending enrolments one listing returns. */
export const MAX_PENDING_ENROLMENTS = 500;
/** Most users one certificate query may name. */
export const MAX_CERTIFICATE_QUERY_USERS = 100;
/** Most organisations one certificate query may name. */
const MAX_CERTIFICATE_QUERY_ORGS = 100;

/**
 * A device that redeemed a code and waits for the code's issuer: the keys it registered
 * and its proof of the code's secret. The issuer checks the proof (the server cannot) and
 * then signs the person's or the device's certificate.
 */
export const pendingEnrolmentSchema = z.strictObject({
  codeId: codeIdSchema,
  kind: z.enum(['enrolment', 'invitation', 'device_link']),
  userId: idSchema,
  deviceId: deviceIdSchema,
  identityKey: publicKeyFieldSchema,
  registrationId: registrationIdSchema,
  /** the person's new user key (first device of a professional or client) */
  userKey: publicKeyFieldSchema.optional(),
  /** the device certificate the new device signed with that user key */
  deviceCertificate: certificateSchema.optional(),
  proof: sha256HexSchema,
  enrolledAt: timestampMsSchema,
  /** enrolment codes: the role and name the admin registered with the code */
  role: roleSchema.optional(),
  displayName: displayNameSchema.optional(),
});
/** A pending enrolment. */
export type PendingEnrolment = z.infer<typeof pendingEnrolmentSchema>;

/** A list of pending enrolments (`GET /v1/admin/orgs/:orgId/enrolments`, `GET /v1/devices/pending`). */
export const pendingEnrolmentsResponseSchema = z.strictObject({
  enrolments: z.array(pendingEnrolmentSchema).max(MAX_PENDING_ENROLMENTS),
});
/** A list of pending enrolments. */
export type PendingEnrolmentsResponse = z.infer<typeof pendingEnrolmentsResponseSchema>;

/** `GET /v1/invitations/:codeId/enrolment`: the client device that redeemed the caller's invitation, if any yet. */
export const invitationEnrolmentResponseSchema = z.strictObject({ enrolment: pendingEnrolmentSchema.nullable() });
/** `GET /v1/invitations/:codeId/enrolment` response. */
export type InvitationEnrolmentResponse = z.infer<typeof invitationEnrolmentResponseSchema>;

/** Path parameters of `/v1/invitations/:codeId/…`. */
export const codeParamsSchema = z.strictObject({ codeId: codeIdSchema });

/**
 * `POST /v1/certificates` (devices: device certificates of their own person, client
 * certificates of their own invitations, revocations of their own devices) and
 * `POST /v1/admin/certificates` (the organisation's admin tool: user certificates, device
 * certificates from enrolments, user revocations). The server checks the signer before
 * storing; agents check everything again.
 */
export const storeCertificateRequestSchema = z.strictObject({ certificate: certificateSchema });
/** Store a certificate: its id (hex SHA-256 of its canonical JSON). */
export const storeCertificateResponseSchema = z.strictObject({ id: sha256HexSchema });
/** Store a certificate: response. */
export type StoreCertificateResponse = z.infer<typeof storeCertificateResponseSchema>;

/**
 * `POST /v1/certificates/query`: every stored certificate an agent needs to verify these
 * users (their organisations', user, client, device and revocation certificates, and for a
 * client his inviter's) and these organisations.
 */
export const queryCertificatesRequestSchema = z.strictObject({
  userIds: z.array(idSchema).max(MAX_CERTIFICATE_QUERY_USERS).refine((ids) => new Set(ids).size === ids.length, 'userIds must be unique'),
  orgIds: z.array(idSchema).max(MAX_CERTIFICATE_QUERY_ORGS).refine((ids) => new Set(ids).size === ids.length, 'orgIds must be unique').optional(),
});
/** Certificate query body. */
export type QueryCertificatesRequest = z.infer<typeof queryCertificatesRequestSchema>;
/**
 * Certificate query response: the certificates, and the log's head with an inclusion
 * proof of each of them, so the agent can check that what it relies on is in the log
 * every other member is shown (docs/design.md §3.5).
 */
export const queryCertificatesResponseSchema = z.strictObject({
  certificates: z.array(certificateSchema).max(MAX_BUNDLE_CERTIFICATES),
  log: certificateLogProofSchema,
});
/** Certificate query response. */
export type QueryCertificatesResponse = z.infer<typeof queryCertificatesResponseSchema>;
