/**
 * The REST API as one typed table (docs/design.md §7). The server mounts a handler per entry
 * and parses `params`, `query` and `body` with the entry's schemas; the agent builds
 * the URL with {@link buildPath} and parses the answer with `response`. Bodies and
 * responses are JSON unless the entry has `stream`.
 */
import { z } from 'zod';
import { MAX_CONTROL_BODY_CHARS } from '../sessions';
import { PROTOCOL_VERSION } from '../types';
import { auditAccessRequestSchema, auditQuerySchema, auditResponseSchema, auditVerificationResponseSchema } from './audit';
import { blobBytesSchema, blobUploadResponseSchema, confirmBlobsRequestSchema, confirmBlobsResponseSchema } from './blobs';
import { idSchema } from './fields';
import {
  authChallengeRequestSchema,
  authChallengeResponseSchema,
  createInvitationRequestSchema,
  redeemInvitationRequestSchema,
  redeemInvitationResponseSchema,
  createLinkCodeRequestSchema,
  createLinkCodeResponseSchema,
  createOrgRequestSchema,
  createOrgResponseSchema,
  directorySearchQuerySchema,
  enrolRequestSchema,
  enrolResponseSchema,
  issueEnrolmentCodeRequestSchema,
  issuedCodeResponseSchema,
  listOrgsResponseSchema,
  listUsersResponseSchema,
  loginRequestSchema,
  loginResponseSchema,
  rootResponseSchema,
  setRootRequestSchema,
} from './rest-accounts';
import {
  codeParamsSchema,
  invitationEnrolmentResponseSchema,
  pendingEnrolmentsResponseSchema,
  queryCertificatesRequestSchema,
  queryCertificatesResponseSchema,
  storeCertificateRequestSchema,
  storeCertificateResponseSchema,
} from './rest-certificates';
import {
  logConsistencyQuerySchema,
  logConsistencyResponseSchema,
  logEntriesQuerySchema,
  logEntriesResponseSchema,
  logResponseSchema,
  putLogCertificateRequestSchema,
} from './rest-transparency';
import {
  claimBundlesRequestSchema,
  claimBundlesResponseSchema,
  listDevicesResponseSchema,
  prekeyCountResponseSchema,
  replaceSignedPreKeyRequestSchema,
  topUpPrekeysRequestSchema,
} from './rest-keys';
import {
  ackMailboxRequestSchema,
  ackMailboxResponseSchema,
  appendMembershipRequestSchema,
  appendMembershipResponseSchema,
  createWorkspaceRequestSchema,
  createWorkspaceResponseSchema,
  fetchMailboxResponseSchema,
  listWorkspacesResponseSchema,
  mailboxQuerySchema,
  MAX_MAILBOX_SEND,
  membershipEventsResponseSchema,
  membershipQuerySchema,
  sendMailboxRequestSchema,
  sendMailboxResponseSchema,
} from './rest-workspaces';

/**
 * Largest JSON request body the server must accept: a full mailbox send
 * ({@link MAX_MAILBOX_SEND} control messages at their size limit, plus their JSON
 * around them). Enrolment with 200 Kyber prekeys is far below it (about 0.5 MB).
 */
export const MAX_JSON_BODY_BYTES = MAX_MAILBOX_SEND * (MAX_CONTROL_BODY_CHARS + 1024);

/** HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT';

/**
 * Who may call a route: anyone (`none`; enrolment and login authenticate by code or
 * signature in the body), the operator (`admin`: `Authorization: Bearer <ADMIN_TOKEN>`),
 * or a logged-in device (`device`: `Authorization: Bearer <session token>`).
 */
export type RouteAuth = 'none' | 'admin' | 'device';

/** One REST route. */
export interface RouteSpec {
  readonly method: HttpMethod;
  /** Express path; `:name` segments are parsed by `params` */
  readonly path: `/${string}`;
  readonly auth: RouteAuth;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  /** JSON request body */
  readonly body?: z.ZodType;
  /**
   * `upload`: the request body is raw `application/octet-stream`, streamed, at most
   * MAX_BLOB_BYTES. `download`: the response is, and `response` describes its bytes.
   */
  readonly stream?: 'upload' | 'download';
  readonly response: z.ZodType;
}

/** `GET /health` response: the process is up. */
const healthResponseSchema = z.strictObject({ status: z.literal('ok'), protocol: z.literal(PROTOCOL_VERSION) });

/** `GET /ready` response: 200 when the store answers, 503 with `ready: false` when not. */
const readyResponseSchema = z.strictObject({ ready: z.boolean() });

/** The empty JSON object, the response of routes with nothing to say but success. */
const emptyResponseSchema = z.strictObject({});

/** Path parameters of `/v1/orgs/:orgId/…`. */
const orgParamsSchema = z.strictObject({ orgId: idSchema });
/** Path parameters of `/v1/users/:userId/…`. */
const userParamsSchema = z.strictObject({ userId: idSchema });
/** Path parameters of `/v1/workspaces/:workspaceId/…`. */
const workspaceParamsSchema = z.strictObject({ workspaceId: idSchema });
/** Path parameters of `/v1/workspaces/:workspaceId/blobs/:blobId`. */
const blobParamsSchema = z.strictObject({ workspaceId: idSchema, blobId: idSchema });

/** Every route of the API, by name. */
export const REST_ROUTES = {
  health: { method: 'GET', path: '/health', auth: 'none', response: healthResponseSchema },
  ready: { method: 'GET', path: '/ready', auth: 'none', response: readyResponseSchema },

  setRoot: {
    method: 'PUT', path: '/v1/admin/root', auth: 'admin',
    body: setRootRequestSchema, response: emptyResponseSchema,
  },
  createOrg: {
    method: 'POST', path: '/v1/admin/orgs', auth: 'admin',
    body: createOrgRequestSchema, response: createOrgResponseSchema,
  },
  adminListOrgs: { method: 'GET', path: '/v1/admin/orgs', auth: 'admin', response: listOrgsResponseSchema },
  issueEnrolmentCode: {
    method: 'POST', path: '/v1/admin/enrolment-codes', auth: 'admin',
    body: issueEnrolmentCodeRequestSchema, response: issuedCodeResponseSchema,
  },
  listOrgEnrolments: {
    method: 'GET', path: '/v1/admin/orgs/:orgId/enrolments', auth: 'admin',
    params: orgParamsSchema, response: pendingEnrolmentsResponseSchema,
  },
  adminStoreCertificate: {
    method: 'POST', path: '/v1/admin/certificates', auth: 'admin',
    body: storeCertificateRequestSchema, response: storeCertificateResponseSchema,
  },
  verifyAudit: { method: 'GET', path: '/v1/admin/audit/verify', auth: 'admin', response: auditVerificationResponseSchema },
  putLogCertificate: {
    method: 'PUT', path: '/v1/admin/log/certificate', auth: 'admin',
    body: putLogCertificateRequestSchema, response: emptyResponseSchema,
  },

  getRoot: { method: 'GET', path: '/v1/root', auth: 'none', response: rootResponseSchema },
  // The transparency log is public, as the root is: anyone may check what it holds.
  getLog: { method: 'GET', path: '/v1/log', auth: 'none', response: logResponseSchema },
  logConsistency: {
    method: 'GET', path: '/v1/log/consistency', auth: 'none',
    query: logConsistencyQuerySchema, response: logConsistencyResponseSchema,
  },
  logEntries: {
    method: 'GET', path: '/v1/log/entries', auth: 'none',
    query: logEntriesQuerySchema, response: logEntriesResponseSchema,
  },

  listOrgs: { method: 'GET', path: '/v1/orgs', auth: 'device', response: listOrgsResponseSchema },
  listOrgUsers: {
    method: 'GET', path: '/v1/orgs/:orgId/users', auth: 'device',
    params: orgParamsSchema, query: directorySearchQuerySchema, response: listUsersResponseSchema,
  },
  createInvitation: {
    method: 'POST', path: '/v1/invitations', auth: 'device',
    body: createInvitationRequestSchema, response: issuedCodeResponseSchema,
  },
  redeemInvitation: {
    method: 'POST', path: '/v1/invitations/redeem', auth: 'device',
    body: redeemInvitationRequestSchema, response: redeemInvitationResponseSchema,
  },
  invitationEnrolment: {
    method: 'GET', path: '/v1/invitations/:codeId/enrolment', auth: 'device',
    params: codeParamsSchema, response: invitationEnrolmentResponseSchema,
  },
  createLinkCode: {
    method: 'POST', path: '/v1/devices/link-codes', auth: 'device',
    body: createLinkCodeRequestSchema, response: createLinkCodeResponseSchema,
  },
  pendingDevices: { method: 'GET', path: '/v1/devices/pending', auth: 'device', response: pendingEnrolmentsResponseSchema },
  storeCertificate: {
    method: 'POST', path: '/v1/certificates', auth: 'device',
    body: storeCertificateRequestSchema, response: storeCertificateResponseSchema,
  },
  queryCertificates: {
    method: 'POST', path: '/v1/certificates/query', auth: 'device',
    body: queryCertificatesRequestSchema, response: queryCertificatesResponseSchema,
  },
  enrol: { method: 'POST', path: '/v1/enrol', auth: 'none', body: enrolRequestSchema, response: enrolResponseSchema },
  authChallenge: {
    method: 'POST', path: '/v1/auth/challenge', auth: 'none',
    body: authChallengeRequestSchema, response: authChallengeResponseSchema,
  },
  login: { method: 'POST', path: '/v1/auth/login', auth: 'none', body: loginRequestSchema, response: loginResponseSchema },

  topUpPrekeys: {
    method: 'POST', path: '/v1/prekeys', auth: 'device',
    body: topUpPrekeysRequestSchema, response: prekeyCountResponseSchema,
  },
  replaceSignedPreKey: {
    method: 'PUT', path: '/v1/prekeys/signed', auth: 'device',
    body: replaceSignedPreKeyRequestSchema, response: emptyResponseSchema,
  },
  countPrekeys: { method: 'GET', path: '/v1/prekeys/count', auth: 'device', response: prekeyCountResponseSchema },
  claimBundles: {
    method: 'POST', path: '/v1/bundles/claim', auth: 'device',
    body: claimBundlesRequestSchema, response: claimBundlesResponseSchema,
  },
  listUserDevices: {
    method: 'GET', path: '/v1/users/:userId/devices', auth: 'device',
    params: userParamsSchema, response: listDevicesResponseSchema,
  },

  createWorkspace: {
    method: 'POST', path: '/v1/workspaces', auth: 'device',
    body: createWorkspaceRequestSchema, response: createWorkspaceResponseSchema,
  },
  listWorkspaces: { method: 'GET', path: '/v1/workspaces', auth: 'device', response: listWorkspacesResponseSchema },
  listMembership: {
    method: 'GET', path: '/v1/workspaces/:workspaceId/membership', auth: 'device',
    params: workspaceParamsSchema, query: membershipQuerySchema, response: membershipEventsResponseSchema,
  },
  appendMembership: {
    method: 'POST', path: '/v1/workspaces/:workspaceId/membership', auth: 'device',
    params: workspaceParamsSchema, body: appendMembershipRequestSchema, response: appendMembershipResponseSchema,
  },

  sendMailbox: {
    method: 'POST', path: '/v1/mailbox', auth: 'device',
    body: sendMailboxRequestSchema, response: sendMailboxResponseSchema,
  },
  fetchMailbox: {
    method: 'GET', path: '/v1/mailbox', auth: 'device',
    query: mailboxQuerySchema, response: fetchMailboxResponseSchema,
  },
  ackMailbox: {
    method: 'POST', path: '/v1/mailbox/ack', auth: 'device',
    body: ackMailboxRequestSchema, response: ackMailboxResponseSchema,
  },

  uploadBlob: {
    method: 'POST', path: '/v1/workspaces/:workspaceId/blobs', auth: 'device',
    params: workspaceParamsSchema, stream: 'upload', response: blobUploadResponseSchema,
  },
  downloadBlob: {
    method: 'GET', path: '/v1/workspaces/:workspaceId/blobs/:blobId', auth: 'device',
    params: blobParamsSchema, stream: 'download', response: blobBytesSchema,
  },
  confirmBlobs: {
    method: 'POST', path: '/v1/workspaces/:workspaceId/blobs/confirm', auth: 'device',
    params: workspaceParamsSchema, body: confirmBlobsRequestSchema, response: confirmBlobsResponseSchema,
  },

  queryAudit: {
    method: 'GET', path: '/v1/workspaces/:workspaceId/audit', auth: 'device',
    params: workspaceParamsSchema, query: auditQuerySchema, response: auditResponseSchema,
  },
  recordAccess: {
    method: 'POST', path: '/v1/workspaces/:workspaceId/audit/access', auth: 'device',
    params: workspaceParamsSchema, body: auditAccessRequestSchema, response: emptyResponseSchema,
  },
} as const satisfies Record<string, RouteSpec>;

/** Name of a route of {@link REST_ROUTES}. */
export type RouteName = keyof typeof REST_ROUTES;

type SchemaField<N extends RouteName, F extends 'params' | 'query' | 'body' | 'response'> =
  (typeof REST_ROUTES)[N] extends { readonly [K in F]: infer S extends z.ZodType } ? z.output<S> : undefined;

/** Parsed JSON body of route `N` (`undefined` when it takes none). */
export type RouteBody<N extends RouteName> = SchemaField<N, 'body'>;
/** Parsed query of route `N` (`undefined` when it takes none). */
export type RouteQuery<N extends RouteName> = SchemaField<N, 'query'>;
/** Parsed response of route `N`. */
export type RouteResponse<N extends RouteName> = SchemaField<N, 'response'>;

type PathParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** The `:name` parameters of an Express path, as an object of strings. */
export type PathParams<P extends string> = { readonly [K in PathParamNames<P>]: string };

/**
 * Fills the `:name` segments of a route path, percent-encoding each value. A value
 * missing at runtime is a programming error (the types require them all) and throws.
 */
export function buildPath<P extends string>(path: P, params: PathParams<P>): string {
  const values: Readonly<Record<string, string | undefined>> = params;
  return path.replace(/:([A-Za-z]+)/g, (_segment, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TypeError(`buildPath: missing parameter ${name}`);
    return encodeURIComponent(value);
  });
}
