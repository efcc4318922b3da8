/**
 * REST bodies of accounts (docs/design.md "Identities"): the deployment root, organisations,
 * enrolment, invitation and link code ids, enrolment with a proof of the code's secret, the
 * directory, and challenge–response login.
 */
import { z } from 'zod';
import { SIGNATURE_BYTES } from '../envelope';
import { certificateSchema, publicKeyFieldSchema } from '../certificates/schema';
import { prekeyUploadSchema } from '../prekeys';
import {
  base64BytesSchema,
  deviceIdSchema,
  displayNameSchema,
  idSchema,
  codeIdSchema,
  orgNameSchema,
  sha256HexSchema,
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
/**
 * Most people one directory search answers (issue 15): the directory is searched by name,
 * never handed out whole, so nobody receives an organisation's staff list.
 */
export const MAX_DIRECTORY_RESULTS = 20;
/** Shortest name fragment a directory search takes. */
const MIN_DIRECTORY_QUERY_CHARS = 2;

const ttlSecondsSchema = z.int().min(MIN_CODE_TTL_SECONDS).max(MAX_CODE_TTL_SECONDS);

/** `PUT /v1/admin/root` body: the deployment root's public key (set once; the same key again is a no-op). */
export const setRootRequestSchema = z.strictObject({ rootKey: publicKeyFieldSchema });

/** `GET /v1/root` response: the deployment root; an agent checks it against the fingerprint its code carried. */
export const rootResponseSchema = z.strictObject({ rootKey: publicKeyFieldSchema });
/** `GET /v1/root` response. */
export type RootResponse = z.infer<typeof rootResponseSchema>;

/** `POST /v1/admin/orgs` body: the organisation certificate the deployment root signed. */
export const createOrgRequestSchema = z.strictObject({ certificate: certificateSchema });
/** `POST /v1/admin/orgs` response. */
export const createOrgResponseSchema = z.strictObject({ orgId: idSchema });
/** `POST /v1/admin/orgs` response. */
export type CreateOrgResponse = z.infer<typeof createOrgResponseSchema>;

/**
 * `POST /v1/admin/enrolment-codes` body: the organisation's admin tool registers the id of
 * a one-time code it made (the secret stays with the tool); the server creates the user
 * the code enrols.
 */
export const issueEnrolmentCodeRequestSchema = z.strictObject({
  codeId: codeIdSchema,
  orgId: idSchema,
  role: professionalRoleSchema,
  displayName: displayNameSchema,
  ttlSeconds: ttlSecondsSchema.optional(),
});
/** `POST /v1/admin/enrolment-codes` body. */
export type IssueEnrolmentCodeRequest = z.infer<typeof issueEnrolmentCodeRequestSchema>;

/** A registered code id: the user it enrols (or, for a link code, names) and when it expires. */
export const issuedCodeResponseSchema = z.strictObject({
  userId: idSchema,
  expiresAt: timestampMsSchema,
});
/** A registered code id. */
export type IssuedCodeResponse = z.infer<typeof issuedCodeResponseSchema>;

/**
 * One organisation as the directory lists it, with the certificate the deployment root
 * signed: an agent shows the name only after verifying that certificate.
 */
const orgSummarySchema = z.strictObject({ orgId: idSchema, name: orgNameSchema, certificate: certificateSchema });

/** `GET /v1/orgs` response. */
export const listOrgsResponseSchema = z.strictObject({
  orgs: z.array(orgSummarySchema).max(MAX_DIRECTORY_ORGS),
});
/** `GET /v1/orgs` response. */
export type ListOrgsResponse = z.infer<typeof listOrgsResponseSchema>;

/**
 * `GET /v1/orgs/:orgId/users?q=` query: a fragment of a name, searched in the organisation's
 * certified professionals (case-insensitive).
 */
export const directorySearchQuerySchema = z.strictObject({
  q: z.string().trim().min(MIN_DIRECTORY_QUERY_CHARS).max(100),
});

/**
 * `GET /v1/orgs/:orgId/users?q=` response: at most MAX_DIRECTORY_RESULTS people whose name
 * holds the fragment, for adding them to workspaces. The agent believes none of it before
 * their certificates verify.
 */
export const listUsersResponseSchema = z.strictObject({
  users: z
    .array(z.strictObject({ userId: idSchema, displayName: displayNameSchema, role: roleSchema, orgId: idSchema }))
    .max(MAX_DIRECTORY_RESULTS),
});
/** `GET /v1/orgs/:orgId/users` response. */
export type ListUsersResponse = z.infer<typeof listUsersResponseSchema>;

/**
 * `POST /v1/invitations` body: a case owner's agent registers the id of an invitation code
 * it made for a client person; the server creates a `client` user. The client's name is
 * never sent: the owner's agent keeps it and certifies it as a commitment.
 */
export const createInvitationRequestSchema = z.strictObject({
  workspaceId: idSchema,
  codeId: codeIdSchema,
  ttlSeconds: ttlSecondsSchema.optional(),
});
/** `POST /v1/invitations` body. */
export type CreateInvitationRequest = z.infer<typeof createInvitationRequestSchema>;

/** `POST /v1/devices/link-codes` body: the id of a link code the calling device made for the user's next device. */
export const createLinkCodeRequestSchema = z.strictObject({ codeId: codeIdSchema });
/** `POST /v1/devices/link-codes` body. */
export type CreateLinkCodeRequest = z.infer<typeof createLinkCodeRequestSchema>;
/** `POST /v1/devices/link-codes` response: the code enrols the user's next free device id. */
export const createLinkCodeResponseSchema = z.strictObject({
  deviceId: deviceIdSchema,
  expiresAt: timestampMsSchema,
});
/** `POST /v1/devices/link-codes` response. */
export type CreateLinkCodeResponse = z.infer<typeof createLinkCodeResponseSchema>;

/**
 * `POST /v1/enrol` body: redeem a code id and register this device's public keys. `proof`
 * is the HMAC under the code's secret over the keys (certificates/codes `enrolmentProof`);
 * the server cannot check it, the code's issuer does. A first device of a person also
 * sends the person's new user key and the device certificate it signed with it.
 */
export const enrolRequestSchema = z.strictObject({
  codeId: codeIdSchema,
  prekeys: prekeyUploadSchema,
  userKey: publicKeyFieldSchema.optional(),
  deviceCertificate: certificateSchema.optional(),
  proof: sha256HexSchema,
});
/** `POST /v1/enrol` body. */
export type EnrolRequest = z.infer<typeof enrolRequestSchema>;
/**
 * `POST /v1/invitations/redeem` body: a client's device already enrolled redeems a further
 * invitation code, so that its inviter can certify the same person (user key, device
 * certificate) in one more case. `proof` is the same HMAC as at enrolment, over this
 * device's id and identity key and the person's user key; only the inviter checks it.
 */
export const redeemInvitationRequestSchema = z.strictObject({
  codeId: codeIdSchema,
  userKey: publicKeyFieldSchema,
  deviceCertificate: certificateSchema,
  proof: sha256HexSchema,
});
/** `POST /v1/invitations/redeem` body. */
export type RedeemInvitationRequest = z.infer<typeof redeemInvitationRequestSchema>;
/** `POST /v1/invitations/redeem` response: the case the code invites into (the client's agent believes only the chain). */
export const redeemInvitationResponseSchema = z.strictObject({ workspaceId: idSchema });
/** `POST /v1/invitations/redeem` response. */
export type RedeemInvitationResponse = z.infer<typeof redeemInvitationResponseSchema>;

/** `POST /v1/enrol` response: which user and device this is; who the person is, certificates tell. */
export const enrolResponseSchema = z.strictObject({
  userId: idSchema,
  deviceId: deviceIdSchema,
  kind: z.enum(['enrolment', 'invitation', 'device_link']),
  orgId: idSchema,
  role: roleSchema,
});
/** `POST /v1/enrol` response. */
export type EnrolResponse = z.infer<typeof enrolResponseSchema>;

/** `POST /v1/auth/challenge` body: the device that wants to log in. */
export const authChallengeRequestSchema = z.strictObject({ userId: idSchema, deviceId: deviceIdSchema });
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
