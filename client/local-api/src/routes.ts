/**
 * The agent's local HTTP API as one typed table. The agent binds a handler to every
 * entry and parses `params`, `query` and `body` with the entry's schemas and its own
 * answer with `response` (client/agent/src/api/route-binding.ts); the UI and the
 * cross-process tests call a route by its name and parse the answer with the same
 * `response` (client.ts). Request schemas are strict (an unknown field is a 400); answer
 * schemas are not, so a page can read a newer agent that added a field.
 *
 * Outside the table: the `/events` WebSocket (events.ts), the y-websocket rooms under
 * `/yjs/<workspaceId>/<docName>`, and the built UI's files.
 *
 * A new route is an entry here (its schemas in the area's file: status.ts,
 * workspaces.ts, devices.ts, chat.ts, records.ts, case-files.ts), its handler in the agent's
 * `client/agent/src/api/routes-<area>.ts` (the agent does not compile without it), and,
 * when the page uses it, a function in the UI's `client/ui/src/api/agent-api.ts`.
 */
import { z } from 'zod';
import {
  attachmentParamsSchema,
  chatMessageSchema,
  downloadQuerySchema,
  editChatRequestSchema,
  messageParamsSchema,
  sendChatRequestSchema,
  uploadQuerySchema,
  uploadResponseSchema,
} from './chat';
import { deviceParamsSchema, linkCodeSchema, ownDevicesSchema } from './devices';
import { docVersionContentSchema, docVersionSchema, restoreVersionResponseSchema, versionParamsSchema } from './history';
import { invitationsResponseSchema, joinWithCodeRequestSchema, joinWithCodeResponseSchema } from './invitations';
import { workspacePresenceSchema } from './presence';
import { problemSchema } from './problems';
import { processingViewSchema, recordAccessRequestSchema } from './processing';
import { recordActionResponseSchema, recordActionSchema, recordListSchema } from './records';
import { exportRequestSchema, workspaceFilesSchema } from './case-files';
import type { LocalRouteSpec } from './route-spec';
import { tasksResponseSchema } from './tasks';
import { timelineQuerySchema, timelineResponseSchema } from './timeline';
import {
  credentialsSchema,
  emptyRequestSchema,
  emptyResponseSchema,
  enrolRequestSchema,
  statusResponseSchema,
  syncStatusSchema,
} from './status';
import {
  addMemberRequestSchema,
  createWorkspaceRequestSchema,
  directoryOrgSchema,
  directorySearchQuerySchema,
  directoryUserSchema,
  documentParamsSchema,
  grantConsentRequestSchema,
  recordBasisRequestSchema,
  identitySchema,
  inviteClientRequestSchema,
  invitationSchema,
  memberDeviceParamsSchema,
  memberParamsSchema,
  memberSchema,
  orgParamsSchema,
  personRequestSchema,
  revokeConsentRequestSchema,
  setVerifiedRequestSchema,
  removalSchema,
  workspaceParamsSchema,
  workspaceResponseSchema,
  workspaceSchema,
} from './workspaces';

/** Every route of the local API, by name. */
export const LOCAL_API_ROUTES = {
  // the agent itself: profiles, enrolment, status, sync, problems, presence
  listProfiles: { method: 'GET', path: '/api/profiles', status: 200, response: z.object({ profiles: z.array(z.string()) }) },
  createProfile: { method: 'POST', path: '/api/profiles', status: 201, body: credentialsSchema, response: statusResponseSchema },
  unlockProfile: { method: 'POST', path: '/api/profiles/unlock', status: 200, body: credentialsSchema, response: statusResponseSchema },
  /** queued edits are flushed first */
  lockProfile: { method: 'POST', path: '/api/profiles/lock', status: 200, body: emptyRequestSchema, response: statusResponseSchema },
  status: { method: 'GET', path: '/api/status', status: 200, response: statusResponseSchema },
  enrol: { method: 'POST', path: '/api/account/enrol', status: 200, body: enrolRequestSchema, response: statusResponseSchema },
  sync: { method: 'GET', path: '/api/sync', status: 200, response: z.object({ sync: syncStatusSchema }) },
  problems: { method: 'GET', path: '/api/problems', status: 200, response: z.object({ problems: z.array(problemSchema) }) },
  presence: { method: 'GET', path: '/api/presence', status: 200, response: z.object({ presence: z.array(workspacePresenceSchema) }) },

  // workspaces, members, consent, identities, the directory
  listWorkspaces: { method: 'GET', path: '/api/workspaces', status: 200, response: z.object({ workspaces: z.array(workspaceSchema) }) },
  /** workspaces this device was removed from (or left), with who removed it and when */
  listRemovals: { method: 'GET', path: '/api/removals', status: 200, response: z.object({ removals: z.array(removalSchema) }) },
  createWorkspace: {
    method: 'POST', path: '/api/workspaces', status: 201,
    body: createWorkspaceRequestSchema, response: workspaceResponseSchema,
  },
  listMembers: {
    method: 'GET', path: '/api/workspaces/:workspaceId/members', status: 200,
    params: workspaceParamsSchema, response: z.object({ members: z.array(memberSchema) }),
  },
  addMember: {
    method: 'POST', path: '/api/workspaces/:workspaceId/members', status: 200,
    params: workspaceParamsSchema, body: addMemberRequestSchema, response: workspaceResponseSchema,
  },
  /** the epoch key is rotated */
  removeMember: {
    method: 'DELETE', path: '/api/workspaces/:workspaceId/members/:userId', status: 200,
    params: memberParamsSchema, response: workspaceResponseSchema,
  },
  removeMemberDevice: {
    method: 'DELETE', path: '/api/workspaces/:workspaceId/members/:userId/devices/:deviceId', status: 200,
    params: memberDeviceParamsSchema, response: workspaceResponseSchema,
  },
  inviteClient: {
    method: 'POST', path: '/api/workspaces/:workspaceId/invitations', status: 201,
    params: workspaceParamsSchema, body: inviteClientRequestSchema, response: z.object({ invitation: invitationSchema }),
  },
  grantConsent: {
    method: 'POST', path: '/api/workspaces/:workspaceId/consent', status: 200,
    params: workspaceParamsSchema, body: grantConsentRequestSchema, response: workspaceResponseSchema,
  },
  revokeConsent: {
    method: 'POST', path: '/api/workspaces/:workspaceId/consent/revoke', status: 200,
    params: workspaceParamsSchema, body: revokeConsentRequestSchema, response: workspaceResponseSchema,
  },
  /** an owner records (or, with null, withdraws) the statutory basis of a professional of his own organisation */
  recordBasis: {
    method: 'PUT', path: '/api/workspaces/:workspaceId/members/:userId/basis', status: 200,
    params: memberParamsSchema, body: recordBasisRequestSchema, response: workspaceResponseSchema,
  },
  /** "Tietojeni käsittely": consent history, bases of access, the checked processing log (issue 13) */
  processing: {
    method: 'GET', path: '/api/workspaces/:workspaceId/processing', status: 200,
    params: workspaceParamsSchema, response: z.object({ processing: processingViewSchema }),
  },
  /** the user opened or exported something: recorded in the server's audit log */
  recordAccess: {
    method: 'POST', path: '/api/workspaces/:workspaceId/access', status: 200,
    params: workspaceParamsSchema, body: recordAccessRequestSchema, response: emptyResponseSchema,
  },
  identities: {
    method: 'GET', path: '/api/workspaces/:workspaceId/identities', status: 200,
    params: workspaceParamsSchema, response: z.object({ identities: z.array(identitySchema) }),
  },
  /** the document's convergence fingerprint (SHA-256 hex of its state) */
  documentHash: {
    method: 'GET', path: '/api/workspaces/:workspaceId/documents/:docName/hash', status: 200,
    params: documentParamsSchema, response: z.object({ hash: z.string() }),
  },
  /** the versions this device recorded of a document (plan history), newest first */
  listVersions: {
    method: 'GET', path: '/api/workspaces/:workspaceId/documents/:docName/versions', status: 200,
    params: documentParamsSchema, response: z.object({ versions: z.array(docVersionSchema) }),
  },
  /** one version with its full state, to show read-only */
  getVersion: {
    method: 'GET', path: '/api/workspaces/:workspaceId/documents/:docName/versions/:versionId', status: 200,
    params: versionParamsSchema, response: z.object({ version: docVersionContentSchema }),
  },
  /** the live document is edited to read like the version; the others see it as an ordinary edit */
  restoreVersion: {
    method: 'POST', path: '/api/workspaces/:workspaceId/documents/:docName/versions/:versionId/restore', status: 200,
    params: versionParamsSchema, body: emptyRequestSchema, response: restoreVersionResponseSchema,
  },
  directory: { method: 'GET', path: '/api/directory', status: 200, response: z.object({ orgs: z.array(directoryOrgSchema) }) },
  /** search an organisation's professionals by name: at most 20, each verified from his certificates */
  orgUsers: {
    method: 'GET', path: '/api/directory/:orgId/users', status: 200,
    params: orgParamsSchema, query: directorySearchQuerySchema, response: z.object({ users: z.array(directoryUserSchema) }),
  },
  setVerified: { method: 'POST', path: '/api/identities/verified', status: 200, body: setVerifiedRequestSchema, response: emptyResponseSchema },
  /** after comparing the NEW safety number */
  acceptIdentity: { method: 'POST', path: '/api/identities/accept', status: 200, body: personRequestSchema, response: emptyResponseSchema },
  // invitations (issue 15): workspaces others added this professional to, until he decides
  listInvitations: { method: 'GET', path: '/api/invitations', status: 200, response: invitationsResponseSchema },
  /** the decision is kept in this profile only; nothing the server says can make it */
  acceptInvitation: {
    method: 'POST',
    path: '/api/invitations/:workspaceId/accept',
    status: 200,
    params: workspaceParamsSchema,
    body: emptyRequestSchema,
    response: workspaceResponseSchema,
  },
  /** a client already enrolled enters a further invitation code (issue 13); the case appears once its owner's agent adds him */
  joinWithCode: {
    method: 'POST', path: '/api/invitations/join', status: 200, body: joinWithCodeRequestSchema, response: joinWithCodeResponseSchema,
  },
  /** leaves the workspace by a signed self-removal */
  declineInvitation: {
    method: 'POST',
    path: '/api/invitations/:workspaceId/decline',
    status: 200,
    params: workspaceParamsSchema,
    body: emptyRequestSchema,
    response: emptyResponseSchema,
  },

  // this person's devices
  listDevices: { method: 'GET', path: '/api/devices', status: 200, response: ownDevicesSchema },
  /** this device must hold the person's user key */
  createLinkCode: {
    method: 'POST', path: '/api/devices/link-code', status: 201,
    body: emptyRequestSchema, response: z.object({ link: linkCodeSchema }),
  },
  approveDevice: {
    method: 'POST', path: '/api/devices/:deviceId/approve', status: 200,
    params: deviceParamsSchema, body: emptyRequestSchema, response: ownDevicesSchema,
  },
  /** its digits did not match: it is not offered again */
  rejectDevice: {
    method: 'POST', path: '/api/devices/:deviceId/reject', status: 200,
    params: deviceParamsSchema, body: emptyRequestSchema, response: ownDevicesSchema,
  },
  /** a lost device: it is removed from every workspace */
  revokeDevice: {
    method: 'POST', path: '/api/devices/:deviceId/revoke', status: 200,
    params: deviceParamsSchema, body: emptyRequestSchema, response: ownDevicesSchema,
  },

  // chat and attachments
  listChat: {
    method: 'GET', path: '/api/workspaces/:workspaceId/chat', status: 200,
    params: workspaceParamsSchema, response: z.object({ messages: z.array(chatMessageSchema) }),
  },
  sendChat: {
    method: 'POST', path: '/api/workspaces/:workspaceId/chat', status: 201,
    params: workspaceParamsSchema, body: sendChatRequestSchema, response: z.object({ message: chatMessageSchema }),
  },
  editChat: {
    method: 'PUT', path: '/api/workspaces/:workspaceId/chat/:messageId', status: 200,
    params: messageParamsSchema, body: editChatRequestSchema, response: emptyResponseSchema,
  },
  deleteChat: {
    method: 'DELETE', path: '/api/workspaces/:workspaceId/chat/:messageId', status: 200,
    params: messageParamsSchema, response: emptyResponseSchema,
  },
  /** progress arrives as `transfer` events under the query's (or the answer's) transferId */
  uploadAttachment: {
    method: 'POST', path: '/api/workspaces/:workspaceId/attachments', status: 201, stream: 'upload',
    params: workspaceParamsSchema, query: uploadQuerySchema, response: uploadResponseSchema,
  },
  /** verified and decrypted; always `application/octet-stream` as an attachment */
  downloadAttachment: {
    method: 'GET', path: '/api/workspaces/:workspaceId/attachments/:blobId', status: 200, stream: 'download',
    params: attachmentParamsSchema, query: downloadQuerySchema,
  },

  // case records (docs/design.md §11)
  listRecords: {
    method: 'GET', path: '/api/workspaces/:workspaceId/records', status: 200,
    params: workspaceParamsSchema, response: recordListSchema,
  },
  /** create or advance a record; a refusal of the records' rules is 4xx with the rule's code, nothing queued */
  sendRecord: {
    method: 'POST', path: '/api/workspaces/:workspaceId/records', status: 201,
    params: workspaceParamsSchema, body: recordActionSchema, response: recordActionResponseSchema,
  },

  // tasks and the case timeline (issue 12)
  /** this person's open agreed actions and information requests addressed to him or his organisation, across his workspaces */
  listTasks: { method: 'GET', path: '/api/tasks', status: 200, response: tasksResponseSchema },
  /** record, membership, consent and attachment events merged, oldest first, filtered by group and organisation */
  timeline: {
    method: 'GET', path: '/api/workspaces/:workspaceId/timeline', status: 200,
    params: workspaceParamsSchema, query: timelineQuerySchema, response: timelineResponseSchema,
  },

  // the workspace's files and exports to the case record (docs/design.md §11.4, §11.5)
  /** every attachment of the verified chat and records, with where it is used */
  listWorkspaceFiles: {
    method: 'GET', path: '/api/workspaces/:workspaceId/files', status: 200,
    params: workspaceParamsSchema, response: workspaceFilesSchema,
  },
  /** a record, the plan or a meeting's minutes as PDF or JSON (case-files.ts caseExportSchema), served as an attachment; each export is recorded */
  exportCase: {
    method: 'POST', path: '/api/workspaces/:workspaceId/export', status: 200, stream: 'download',
    params: workspaceParamsSchema, body: exportRequestSchema,
  },
} as const satisfies Record<string, LocalRouteSpec>;

/** Name of a route of {@link LOCAL_API_ROUTES}. */
export type LocalRouteName = keyof typeof LOCAL_API_ROUTES;

type Spec<N extends LocalRouteName> = (typeof LOCAL_API_ROUTES)[N];
type Part = 'params' | 'query' | 'body' | 'response';
type Output<N extends LocalRouteName, F extends Part> = Spec<N> extends { readonly [K in F]: infer S extends z.ZodType } ? z.output<S> : undefined;

/** Parsed path parameters of route `N` (`undefined` when its path has none). */
export type LocalRouteParams<N extends LocalRouteName> = Output<N, 'params'>;
/** Parsed query of route `N` (`undefined` when it reads none). */
export type LocalRouteQuery<N extends LocalRouteName> = Output<N, 'query'>;
/** Parsed JSON body of route `N` (`undefined` when it takes none). */
export type LocalRouteBody<N extends LocalRouteName> = Output<N, 'body'>;
/** The JSON answer of route `N` (`undefined` for a download). */
export type LocalRouteResponse<N extends LocalRouteName> = Output<N, 'response'>;
