/**
 * The agent's local JSON API as typed functions. The page is served by the agent, so
 * every call goes to its own origin and carries the token cookie the first page load
 * set; the browser adds the Origin header the agent checks on state-changing requests.
 *
 * Every response is parsed with zod; anything unexpected becomes an {@link ApiFailure}
 * with a stable code, which the UI translates for the user.
 */
import { z } from 'zod';
import {
  apiErrorBodySchema,
  chatMessageSchema,
  directoryUserSchema,
  hostStatusSchema,
  identitySchema,
  linkCodeSchema,
  ownDevicesSchema,
  presenceSchema,
  problemSchema,
  workspaceSchema,
} from './schemas';
import type { Attachment, ChatMessage, OwnDevices, WorkspaceKind } from './schemas';

/** A refused or failed API call: the agent's error code, or `agent_unreachable` / `bad_response`. */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

async function send(method: Method, path: string, body?: BodyInit, contentType?: string): Promise<Response> {
  try {
    return await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      ...(body === undefined ? {} : { body }),
    });
  } catch {
    throw new ApiFailure(0, 'agent_unreachable', 'The agent on this computer does not answer.');
  }
}

async function failureOf(res: Response): Promise<ApiFailure> {
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    parsed = undefined;
  }
  const body = apiErrorBodySchema.safeParse(parsed);
  return body.success
    ? new ApiFailure(res.status, body.data.error.code, body.data.error.message)
    : new ApiFailure(res.status, 'bad_response', `The agent answered ${res.status} without an explanation.`);
}

async function call<S extends z.ZodType>(method: Method, path: string, schema: S, json?: unknown): Promise<z.output<S>> {
  const res = await send(method, path, json === undefined ? undefined : JSON.stringify(json), json === undefined ? undefined : 'application/json');
  if (!res.ok) throw await failureOf(res);
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    throw new ApiFailure(res.status, 'bad_response', 'The agent sent something that is not JSON.');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw new ApiFailure(res.status, 'bad_response', 'The agent sent an answer this page does not understand.');
  return result.data;
}

const enc = encodeURIComponent;
const statusReply = z.object({ status: hostStatusSchema });
const workspaceReply = z.object({ workspace: workspaceSchema });
const empty = z.object({});

/** The agent's profiles. */
export const profilesApi = {
  /** Profiles in the agent's profile directory. */
  list: async () => (await call('GET', '/api/profiles', z.object({ profiles: z.array(z.string()) }))).profiles,
  /** Create a profile and unlock it. */
  create: async (name: string, passphrase: string) => (await call('POST', '/api/profiles', statusReply, { name, passphrase })).status,
  /** Unlock a profile with its passphrase. */
  unlock: async (name: string, passphrase: string) => (await call('POST', '/api/profiles/unlock', statusReply, { name, passphrase })).status,
  /** Lock the open profile (queued edits are flushed first). */
  lock: async () => (await call('POST', '/api/profiles/lock', statusReply, {})).status,
  /** The agent's state. */
  status: async () => (await call('GET', '/api/status', statusReply)).status,
  /** Enrol the unlocked profile's device with a one-time code. */
  enrol: async (code: string) => (await call('POST', '/api/account/enrol', statusReply, { code })).status,
  /** The problems the agent has seen since the profile was unlocked. */
  problems: async () => (await call('GET', '/api/problems', z.object({ problems: z.array(problemSchema) }))).problems,
  /** Who else has a workspace open. */
  presence: async () => (await call('GET', '/api/presence', z.object({ presence: z.array(presenceSchema) }))).presence,
};

/** Workspaces, members, consent, identities and the directory. */
export const workspacesApi = {
  /** The workspaces this device is a member of. */
  list: async () => (await call('GET', '/api/workspaces', z.object({ workspaces: z.array(workspaceSchema) }))).workspaces,
  /** Create a workspace; this user becomes its owner. */
  create: async (kind: WorkspaceKind, label: string) => (await call('POST', '/api/workspaces', workspaceReply, { kind, label })).workspace,
  /** Add a professional from the directory. */
  addMember: async (workspaceId: string, userId: string) =>
    (await call('POST', `/api/workspaces/${enc(workspaceId)}/members`, workspaceReply, { userId })).workspace,
  /** Remove a member (the workspace key is rotated). */
  removeMember: async (workspaceId: string, userId: string) =>
    (await call('DELETE', `/api/workspaces/${enc(workspaceId)}/members/${enc(userId)}`, workspaceReply)).workspace,
  /** Create a one-time invitation code for the client person. */
  inviteClient: async (workspaceId: string, displayName: string) =>
    (
      await call(
        'POST',
        `/api/workspaces/${enc(workspaceId)}/invitations`,
        z.object({ invitation: z.object({ code: z.string(), userId: z.string(), expiresAt: z.number() }) }),
        { displayName },
      )
    ).invitation,
  /** The client grants consent to organisations for a purpose, optionally until a time. */
  grantConsent: async (workspaceId: string, consent: { orgIds: string[]; purpose: string; expiresAt?: number }) =>
    (await call('POST', `/api/workspaces/${enc(workspaceId)}/consent`, workspaceReply, consent)).workspace,
  /** The client revokes consent of organisations. */
  revokeConsent: async (workspaceId: string, orgIds: string[]) =>
    (await call('POST', `/api/workspaces/${enc(workspaceId)}/consent/revoke`, workspaceReply, { orgIds })).workspace,
  /** The other members, one safety number per person (it covers all his certified devices). */
  identities: async (workspaceId: string) =>
    (await call('GET', `/api/workspaces/${enc(workspaceId)}/identities`, z.object({ identities: z.array(identitySchema) }))).identities,
  /** Mark a person's safety number as verified (or not). */
  setVerified: async (userId: string, verified: boolean) => {
    await call('POST', '/api/identities/verified', empty, { userId, verified });
  },
  /** Accept a person's changed key after comparing the NEW safety number. */
  acceptIdentity: async (userId: string) => {
    await call('POST', '/api/identities/accept', empty, { userId });
  },
  /** The organisations of the directory. */
  orgs: async () => (await call('GET', '/api/directory', z.object({ orgs: z.array(z.object({ orgId: z.string(), name: z.string() })) }))).orgs,
  /** The professionals of an organisation. */
  orgUsers: async (orgId: string) => (await call('GET', `/api/directory/${enc(orgId)}/users`, z.object({ users: z.array(directoryUserSchema) }))).users,
};

/** This person's devices: the list, a link code for a new one, approving and revoking. */
export const devicesApi = {
  /** Certified and revoked devices, devices waiting for approval, and whether this device approves. */
  list: async (): Promise<OwnDevices> => call('GET', '/api/devices', ownDevicesSchema),
  /** A one-time code to type into the new device (this device must hold the user key). */
  linkCode: async () => (await call('POST', '/api/devices/link-code', z.object({ link: linkCodeSchema }), {})).link,
  /** Approve a waiting device, after the person compared its six digits. */
  approve: async (deviceId: number): Promise<OwnDevices> => call('POST', `/api/devices/${deviceId}/approve`, ownDevicesSchema, {}),
  /** Refuse a waiting device whose digits did not match: it is not offered again. */
  reject: async (deviceId: number): Promise<OwnDevices> => call('POST', `/api/devices/${deviceId}/reject`, ownDevicesSchema, {}),
  /** Revoke a device (a lost laptop): it is removed from every workspace. */
  revoke: async (deviceId: number): Promise<OwnDevices> => call('POST', `/api/devices/${deviceId}/revoke`, ownDevicesSchema, {}),
};

/** Chat and attachments of a workspace. */
export const chatApi = {
  /** Every message, in the order the server sequenced them. */
  list: async (workspaceId: string): Promise<ChatMessage[]> =>
    (await call('GET', `/api/workspaces/${enc(workspaceId)}/chat`, z.object({ messages: z.array(chatMessageSchema) }))).messages,
  /** Send a message with optional attachments (already uploaded). */
  send: async (workspaceId: string, text: string, attachments: readonly Attachment[]) =>
    (await call('POST', `/api/workspaces/${enc(workspaceId)}/chat`, z.object({ message: chatMessageSchema }), { text, attachments })).message,
  /** Replace the text of an own message. */
  edit: async (workspaceId: string, messageId: string, text: string) => {
    await call('PUT', `/api/workspaces/${enc(workspaceId)}/chat/${enc(messageId)}`, empty, { text });
  },
  /** Delete an own message. */
  remove: async (workspaceId: string, messageId: string) => {
    await call('DELETE', `/api/workspaces/${enc(workspaceId)}/chat/${enc(messageId)}`, empty);
  },
  /** Encrypt and upload a file; progress arrives as `transfer` events with `transferId`. */
  upload: async (workspaceId: string, file: File, transferId: string): Promise<Attachment> => {
    const query = new URLSearchParams({ name: file.name, type: file.type === '' ? 'application/octet-stream' : file.type, transferId });
    const res = await send('POST', `/api/workspaces/${enc(workspaceId)}/attachments?${query.toString()}`, file, 'application/octet-stream');
    if (!res.ok) throw await failureOf(res);
    const parsed = z.object({ attachment: z.object({ blobId: z.string(), name: z.string(), type: z.string(), size: z.number(), sha256: z.string() }) }).safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new ApiFailure(res.status, 'bad_response', 'The agent sent an answer this page does not understand.');
    return parsed.data.attachment;
  },
  /** Download, verify and decrypt an attachment; progress arrives as `transfer` events with `transferId`. */
  download: async (workspaceId: string, blobId: string, transferId: string): Promise<Blob> => {
    const res = await send('GET', `/api/workspaces/${enc(workspaceId)}/attachments/${enc(blobId)}?transferId=${enc(transferId)}`);
    if (!res.ok) throw await failureOf(res);
    return res.blob();
  },
};
