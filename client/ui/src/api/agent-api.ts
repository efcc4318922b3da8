/**
 * The agent's local API as the screens use it: each function calls one route of the
 * contract's table by name (@yhteispoyta/local-api) and hands back the part of the answer
 * the screen wants. The page is served by the agent, so every call goes to its own origin
 * with the tab's token as `Authorization: Bearer` (see agent-token.ts; no cookie); the
 * browser adds the Origin header the agent checks.
 *
 * Every answer is parsed with the route's schema; anything unexpected becomes an
 * ApiFailure with a stable code, which the UI translates for the user.
 */
import { callRoute, openDownload } from '@yhteispoyta/local-api';
import type { Attachment, CaseRecordView, ChatMessage, ExportRequest, LocalApiTransport, OwnDevices, RecordAction, Task, Timeline, TimelineQuery, WorkspaceFile, WorkspaceKind } from '@yhteispoyta/local-api';
import { agentAuthHeaders } from './agent-token';

/** The agent serving this page; the token is read at each call (it arrives after this module loads). */
const AGENT: LocalApiTransport = {
  baseUrl: '',
  get headers() {
    return agentAuthHeaders();
  },
};

/** The agent's profiles. */
export const profilesApi = {
  /** Profiles in the agent's profile directory. */
  list: async () => (await callRoute(AGENT, 'listProfiles')).profiles,
  /** Create a profile and unlock it. */
  create: async (name: string, passphrase: string) => (await callRoute(AGENT, 'createProfile', { body: { name, passphrase } })).status,
  /** Unlock a profile with its passphrase. */
  unlock: async (name: string, passphrase: string) => (await callRoute(AGENT, 'unlockProfile', { body: { name, passphrase } })).status,
  /** Lock the open profile (queued edits are flushed first). */
  lock: async () => (await callRoute(AGENT, 'lockProfile')).status,
  /** The agent's state. */
  status: async () => (await callRoute(AGENT, 'status')).status,
  /** Enrol the unlocked profile's device with a one-time code. */
  enrol: async (code: string) => (await callRoute(AGENT, 'enrol', { body: { code } })).status,
  /** The problems the agent has seen since the profile was unlocked. */
  problems: async () => (await callRoute(AGENT, 'problems')).problems,
  /** Who else has a workspace open. */
  presence: async () => (await callRoute(AGENT, 'presence')).presence,
};

/** A document's recorded versions (plan history). */
export const historyApi = {
  /** The versions this device recorded, newest first. */
  list: async (workspaceId: string, docName: string) => (await callRoute(AGENT, 'listVersions', { params: { workspaceId, docName } })).versions,
  /** One version with its full Yjs state (base64). */
  get: async (workspaceId: string, docName: string, versionId: number) =>
    (await callRoute(AGENT, 'getVersion', { params: { workspaceId, docName, versionId: String(versionId) } })).version,
  /** Make the live document read like the version: an ordinary edit the others see. */
  restore: async (workspaceId: string, docName: string, versionId: number) =>
    (await callRoute(AGENT, 'restoreVersion', { params: { workspaceId, docName, versionId: String(versionId) } })).changed,
};

/** Workspaces, members, consent, identities and the directory. */
export const workspacesApi = {
  /** The workspaces this device is a member of. */
  list: async () => (await callRoute(AGENT, 'listWorkspaces')).workspaces,
  /** The workspaces this device was removed from, with who removed it and when. */
  removals: async () => (await callRoute(AGENT, 'listRemovals')).removals,
  /** Create a workspace; this user becomes its owner. */
  create: async (kind: WorkspaceKind, label: string) => (await callRoute(AGENT, 'createWorkspace', { body: { kind, label } })).workspace,
  /** Add a professional from the directory. */
  addMember: async (workspaceId: string, userId: string) =>
    (await callRoute(AGENT, 'addMember', { params: { workspaceId }, body: { userId } })).workspace,
  /** Remove a member (the workspace key is rotated). */
  removeMember: async (workspaceId: string, userId: string) => (await callRoute(AGENT, 'removeMember', { params: { workspaceId, userId } })).workspace,
  /** Create a one-time invitation code for the client person. */
  inviteClient: async (workspaceId: string, displayName: string) =>
    (await callRoute(AGENT, 'inviteClient', { params: { workspaceId }, body: { displayName } })).invitation,
  /** The client grants consent to organisations for a purpose, optionally until a time. */
  grantConsent: async (workspaceId: string, consent: { orgIds: string[]; purpose: string; expiresAt?: number; handOverTo?: string; close?: true }) =>
    (await callRoute(AGENT, 'grantConsent', { params: { workspaceId }, body: consent })).workspace,
  /** The client revokes consent of organisations. */
  revokeConsent: async (workspaceId: string, orgIds: string[], ending: { handOverTo?: string; close?: true } = {}) =>
    (await callRoute(AGENT, 'revokeConsent', { params: { workspaceId }, body: { orgIds, ...ending } })).workspace,
  /** An owner records the statutory basis of a professional of his own organisation; null withdraws it (issue 13). */
  recordBasis: async (workspaceId: string, userId: string, basis: string | null) =>
    (await callRoute(AGENT, 'recordBasis', { params: { workspaceId, userId }, body: { basis } })).workspace,
  /** "Tietojeni käsittely": consent history, bases of access, the processing log the agent checked (issue 13). */
  processing: async (workspaceId: string) => (await callRoute(AGENT, 'processing', { params: { workspaceId } })).processing,
  /** Record in the central audit log that the user opened or exported something (`what`: 'plan', 'record:<id>', …). */
  recordAccess: async (workspaceId: string, access: { action: 'opened' | 'exported'; what: string; format?: 'pdf' | 'json' }) => {
    await callRoute(AGENT, 'recordAccess', { params: { workspaceId }, body: access });
  },
  /** The other members, one safety number per person (it covers all his certified devices). */
  identities: async (workspaceId: string) => (await callRoute(AGENT, 'identities', { params: { workspaceId } })).identities,
  /** Mark a person's safety number as verified (or not). */
  setVerified: async (userId: string, verified: boolean) => {
    await callRoute(AGENT, 'setVerified', { body: { userId, verified } });
  },
  /** Accept a person's changed key after comparing the NEW safety number. */
  acceptIdentity: async (userId: string) => {
    await callRoute(AGENT, 'acceptIdentity', { body: { userId } });
  },
  /** The organisations of the directory. */
  orgs: async () => (await callRoute(AGENT, 'directory')).orgs,
  /** Professionals of an organisation whose name holds `q` (at most 20, verified by the agent). */
  orgUsers: async (orgId: string, q: string) => (await callRoute(AGENT, 'orgUsers', { params: { orgId }, query: { q } })).users,
};

/** This person's devices: the list, a link code for a new one, approving and revoking. */
export const devicesApi = {
  /** Certified and revoked devices, devices waiting for approval, and whether this device approves. */
  list: async (): Promise<OwnDevices> => callRoute(AGENT, 'listDevices'),
  /** A one-time code to type into the new device (this device must hold the user key). */
  linkCode: async () => (await callRoute(AGENT, 'createLinkCode')).link,
  /** Approve a waiting device, after the person compared its six digits. */
  approve: async (deviceId: number): Promise<OwnDevices> => callRoute(AGENT, 'approveDevice', { params: { deviceId: String(deviceId) } }),
  /** Refuse a waiting device whose digits did not match: it is not offered again. */
  reject: async (deviceId: number): Promise<OwnDevices> => callRoute(AGENT, 'rejectDevice', { params: { deviceId: String(deviceId) } }),
  /** Revoke a device (a lost laptop): it is removed from every workspace. */
  revoke: async (deviceId: number): Promise<OwnDevices> => callRoute(AGENT, 'revokeDevice', { params: { deviceId: String(deviceId) } }),
};

/** Chat and attachments of a workspace. */
export const chatApi = {
  /** Every message, in the order the server sequenced them. */
  list: async (workspaceId: string): Promise<ChatMessage[]> => (await callRoute(AGENT, 'listChat', { params: { workspaceId } })).messages,
  /** Send a message with optional attachments (already uploaded). */
  send: async (workspaceId: string, text: string, attachments: readonly Attachment[]) =>
    (await callRoute(AGENT, 'sendChat', { params: { workspaceId }, body: { text, attachments: [...attachments] } })).message,
  /** Replace the text of an own message. */
  edit: async (workspaceId: string, messageId: string, text: string) => {
    await callRoute(AGENT, 'editChat', { params: { workspaceId, messageId }, body: { text } });
  },
  /** Delete an own message. */
  remove: async (workspaceId: string, messageId: string) => {
    await callRoute(AGENT, 'deleteChat', { params: { workspaceId, messageId } });
  },
  /** Encrypt and upload a file; progress arrives as `transfer` events with `transferId`. */
  upload: async (workspaceId: string, file: File, transferId: string): Promise<Attachment> => {
    const type = file.type === '' ? 'application/octet-stream' : file.type;
    const answer = await callRoute(AGENT, 'uploadAttachment', {
      params: { workspaceId },
      query: { name: file.name, type, transferId },
      file,
      contentType: 'application/octet-stream',
    });
    return answer.attachment;
  },
  /** Download, verify and decrypt an attachment; progress arrives as `transfer` events with `transferId`. */
  download: async (workspaceId: string, blobId: string, transferId: string): Promise<Blob> =>
    (await openDownload(AGENT, 'downloadAttachment', { params: { workspaceId, blobId }, query: { transferId } })).blob(),
};

/** The case records of a workspace (docs/design.md §11). */
export const recordsApi = {
  /** Every record, as the agent's replay of the signed events shows it. */
  list: async (workspaceId: string): Promise<CaseRecordView[]> => (await callRoute(AGENT, 'listRecords', { params: { workspaceId } })).records,
  /** Create or advance a record; a refusal of the records' rules is an ApiFailure with the rule's code. */
  send: async (workspaceId: string, action: RecordAction): Promise<CaseRecordView> =>
    (await callRoute(AGENT, 'sendRecord', { params: { workspaceId }, body: action })).record,
};

/** This person's tasks and a workspace's case timeline (issue 12). */
export const tasksApi = {
  /** "Omat tehtävät": open actions owned by this person and open requests addressed to him or his organisation, by due date. */
  list: async (): Promise<Task[]> => (await callRoute(AGENT, 'listTasks')).tasks,
  /** The case timeline, oldest first, filtered by group and organisation. */
  timeline: async (workspaceId: string, query: TimelineQuery): Promise<Timeline> => callRoute(AGENT, 'timeline', { params: { workspaceId }, query }),
};

/** The file name a download's `Content-Disposition` gives (RFC 6266 `filename*` first), or `fallback`. */
function dispositionName(header: string | null, fallback: string): string {
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header ?? '')?.[1];
  if (encoded !== undefined) {
    try {
      return decodeURIComponent(encoded);
    } catch {
      // fall through to the ASCII name
    }
  }
  return /filename="([^"]+)"/i.exec(header ?? '')?.[1] ?? fallback;
}

/** The workspace's files ("Liitteet") and exports to the case record (docs/design.md §11.4, §11.5). */
export const caseFilesApi = {
  /** Every file of the verified chat and records, with where it is used. */
  list: async (workspaceId: string): Promise<WorkspaceFile[]> => (await callRoute(AGENT, 'listWorkspaceFiles', { params: { workspaceId } })).files,
  /** A record, the plan or a meeting's minutes as PDF or JSON, made by the agent (and recorded there). */
  export: async (workspaceId: string, request: ExportRequest): Promise<{ blob: Blob; fileName: string }> => {
    const res = await openDownload(AGENT, 'exportCase', { params: { workspaceId }, body: request });
    return { blob: await res.blob(), fileName: dispositionName(res.headers.get('content-disposition'), `export.${request.format}`) };
  },
};
