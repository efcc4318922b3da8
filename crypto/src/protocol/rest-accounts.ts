/**
 * REST bodies of accounts (DESIGN §3): organisations, enrolment and invitation codes,
 * device linking, the directory, and challenge–response login.
 */
import { z } from 'zod';
import { SIGNATURE_BYTES } from '../envelope';
import { prekeyUploadSchema } from '../prekeys';
import {
  base64BytesSchema,
  deviceIdSchema,
  displayNameSchema,
  idSchema,
  oneTimeCodeSchema,
  orgNameSchema,
  professionalRoleSchema,
  roleSchema,
  sessionTokenSchema,
  timestampMsSchema,
} from './fields';
import { LOGIN_NONCE_BYTES } from './login';

/** Shortest lifetime of a one-time code a client may ask for. */
export const MIN_CODE_TTL_SECONDS = 60;
/** Longest lifetime of a one-time code a client may ask for (14 days). */
export const MAX_CODE_TTL_SECONDS = 14 * 24 * 3600;

/** Most organisations one directory listing returns. */
export const MAX_DIRECTORY_ORGS = 1000;
/** Most users one directory listing of an organisation returns. */
export const MAX_DIRECTORY_USERS = 5000;

const ttlSecondsSchema = z.int().min(MIN_CODE_TTL_SECONDS).max(MAX_CODE_TTL_SECONDS);

/** `POST /v1/admin/orgs` body. */
export const createOrgRequestSchema = z.strictObject({ name: orgNameSchema });
/** `POST /v1/admin/orgs` body. */
export type CreateOrgRequest = z.infer<typeof createOrgRequestSchema>;
/** `POST /v1/admin/orgs` response. */
export const createOrgResponseSchema = z.strictObject({ orgId: idSchema });
/** `POST /v1/admin/orgs` response. */
export type CreateOrgResponse = z.infer<typeof createOrgResponseSchema>;

/** `POST /v1/admin/enrolment-codes` body: a one-time code that enrols a new professional. */
export const issueEnrolmentCodeRequestSchema = z.strictObject({
  orgId: idSchema,
  role: professionalRoleSchema,
  displayName: displayNameSchema,
  ttlSeconds: ttlSecondsSchema.optional(),
});
/** `POST /v1/admin/enrolment-codes` body. */
export type IssueEnrolmentCodeRequest = z.infer<typeof issueEnrolmentCodeRequestSchema>;

/** A freshly issued enrolment or invitation code, for the user it creates. */
export const issuedCodeResponseSchema = z.strictObject({
  code: oneTimeCodeSchema,
  userId: idSchema,
  expiresAt: timestampMsSchema,
});
/** A freshly issued enrolment or invitation code. */
export type IssuedCodeResponse = z.infer<typeof issuedCodeResponseSchema>;

/** `GET /v1/orgs` response. */
export const listOrgsResponseSchema = z.strictObject({
  orgs: z.array(z.strictObject({ orgId: idSchema, name: orgNameSchema })).max(MAX_DIRECTORY_ORGS),
});
/** `GET /v1/orgs` response. */
export type ListOrgsResponse = z.infer<typeof listOrgsResponseSchema>;

/** `GET /v1/orgs/:orgId/users` response: the directory for inviting professionals. */
export const listUsersResponseSchema = z.strictObject({
  users: z
    .array(z.strictObject({ userId: idSchema, displayName: displayNameSchema, role: roleSchema, orgId: idSchema }))
    .max(MAX_DIRECTORY_USERS),
});
/** `GET /v1/orgs/:orgId/users` response. */
export type ListUsersResponse = z.infer<typeof listUsersResponseSchema>;

/**
 * `POST /v1/invitations` body: a case owner invites a client person into a case
 * workspace; the server creates a `client` user in the clients organisation. Single use.
 */
export const createInvitationRequestSchema = z.strictObject({
  workspaceId: idSchema,
  displayName: displayNameSchema,
  ttlSeconds: ttlSecondsSchema.optional(),
});
/** `POST /v1/invitations` body. */
export type CreateInvitationRequest = z.infer<typeof createInvitationRequestSchema>;

/** `POST /v1/devices/link-codes` body (empty: the user is the logged-in device's). */
export const createLinkCodeRequestSchema = z.strictObject({});
/** `POST /v1/devices/link-codes` body. */
export type CreateLinkCodeRequest = z.infer<typeof createLinkCodeRequestSchema>;
/** `POST /v1/devices/link-codes` response: the code enrols the user's next free device id. */
export const createLinkCodeResponseSchema = z.strictObject({
  code: oneTimeCodeSchema,
  deviceId: deviceIdSchema,
  expiresAt: timestampMsSchema,
});
/** `POST /v1/devices/link-codes` response. */
export type CreateLinkCodeResponse = z.infer<typeof createLinkCodeResponseSchema>;

/** `POST /v1/enrol` body: redeem a code and register this device's public keys. */
export const enrolRequestSchema = z.strictObject({ code: oneTimeCodeSchema, prekeys: prekeyUploadSchema });
/** `POST /v1/enrol` body. */
export type EnrolRequest = z.infer<typeof enrolRequestSchema>;
/** `POST /v1/enrol` response: who this device now is. */
export const enrolResponseSchema = z.strictObject({
  userId: idSchema,
  deviceId: deviceIdSchema,
  orgId: idSchema,
  role: roleSchema,
  displayName: displayNameSchema,
});
/** `POST /v1/enrol` response. */
export type EnrolResponse = z.infer<typeof enrolResponseSchema>;

/** `POST /v1/auth/challenge` body: the device that wants to log in. */
export const authChallengeRequestSchema = z.strictObject({ userId: idSchema, deviceId: deviceIdSchema });
/** `POST /v1/auth/challenge` body. */
export type AuthChallengeRequest = z.infer<typeof authChallengeRequestSchema>;
/** `POST /v1/auth/challenge` response: sign `loginSigningBytes(nonce, device)` before `expiresAt`. */
export const authChallengeResponseSchema = z.strictObject({
  challengeId: idSchema,
  nonce: base64BytesSchema(LOGIN_NONCE_BYTES, LOGIN_NONCE_BYTES),
  expiresAt: timestampMsSchema,
});
/** `POST /v1/auth/challenge` response. */
export type AuthChallengeResponse = z.infer<typeof authChallengeResponseSchema>;

/** `POST /v1/auth/login` body: base64 XEdDSA signature over `loginSigningBytes`. */
export const loginRequestSchema = z.strictObject({
  challengeId: idSchema,
  signature: base64BytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
});
/** `POST /v1/auth/login` body. */
export type LoginRequest = z.infer<typeof loginRequestSchema>;
/** `POST /v1/auth/login` response: a bearer token for REST and the socket.io handshake. */
export const loginResponseSchema = z.strictObject({ token: sessionTokenSchema, expiresAt: timestampMsSchema });
/** `POST /v1/auth/login` response. */
export type LoginResponse = z.infer<typeof loginResponseSchema>;
