/**
 * A typed client of one agent's local HTTP API (client/agent/src/api/routes-*.ts), as
 * the UI uses it: bearer token, JSON in and out. Every response is parsed with zod from
 * `unknown`; a refusal becomes an {@link AgentApiError} carrying the agent's error code.
 */
import { z } from 'zod';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import { ROLES, WORKSPACE_KINDS } from '@yhteispoyta/crypto/types';
import type { WorkspaceKind } from '@yhteispoyta/crypto/types';

const deviceRefSchema = z.object({ userId: z.string(), deviceId: z.number() });

const memberSchema = z.object({
  userId: z.string(),
  orgId: z.string(),
  role: z.enum(ROLES),
  owner: z.boolean(),
  devices: z.array(z.object({ deviceId: z.number(), keyHash: z.string() })),
  displayName: z.string().optional(),
  orgName: z.string().optional(),
  certified: z.boolean(),
  uncertifiedDevices: z.array(z.number()),
});
/** A member as the agent's verified chain lists it. */
export type Member = z.infer<typeof memberSchema>;

const workspaceSchema = z.object({
  workspaceId: z.string(),
  kind: z.enum(WORKSPACE_KINDS),
  label: z.string(),
  epoch: z.number(),
  closed: z.boolean(),
  members: z.array(memberSchema),
});
/** A workspace summary of the agent. */
export type Workspace = z.infer<typeof workspaceSchema>;

const syncSchema = z.object({ link: z.string(), pending: z.number(), syncing: z.array(z.string()) });
/** Link state, unacknowledged local changes, workspaces catching up. */
export type SyncState = z.infer<typeof syncSchema>;

const statusSchema = z.object({
  state: z.enum(['locked', 'unlocked', 'ready']),
  profile: z.string().optional(),
  link: z.string().optional(),
  sync: syncSchema.optional(),
  device: z
    .object({
      userId: z.string(),
      deviceId: z.number(),
      orgId: z.string(),
      role: z.enum(ROLES),
      displayName: z.string(),
      certification: z.object({ state: z.enum(['pending', 'certified', 'revoked']), approvalCode: z.string().optional(), orgName: z.string().optional() }),
    })
    .optional(),
});
/** What the agent says about itself. */
export type AgentStatus = z.infer<typeof statusSchema>;

const attachmentSchema = z.object({ blobId: z.string(), name: z.string(), type: z.string(), size: z.number(), sha256: z.string() });
/** An uploaded attachment, as a chat message carries it. */
export type Attachment = z.infer<typeof attachmentSchema>;

const chatMessageSchema = z.object({
  id: z.string(),
  author: deviceRefSchema,
  authorName: z.string().optional(),
  text: z.string(),
  attachments: z.array(attachmentSchema),
  sentAt: z.number(),
  seq: z.number(),
  deleted: z.boolean(),
  verified: z.boolean(),
  pending: z.boolean(),
});
/** A chat message as the agent lists it. */
export type ChatMessage = z.infer<typeof chatMessageSchema>;

const problemSchema = z.object({ code: z.string(), message: z.string(), workspaceId: z.string().optional(), stream: z.string().optional() });
/** A problem the agent reported. */
export type Problem = z.infer<typeof problemSchema>;

const invitationSchema = z.object({ code: z.string(), userId: z.string(), expiresAt: z.number() });
const devicesSchema = z.object({
  devices: z.array(z.object({ deviceId: z.number(), current: z.boolean(), created: z.number(), revoked: z.boolean() })),
  pending: z.array(z.object({ deviceId: z.number(), approvalCode: z.string(), enrolledAt: z.number() })),
  canApprove: z.boolean(),
});
/** This person's devices as the agent lists them. */
export type OwnDevices = z.infer<typeof devicesSchema>;
const linkSchema = z.object({ link: z.object({ code: z.string(), deviceId: z.number(), expiresAt: z.number() }) });
const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** A refusal by the agent's API. */
export class AgentApiError extends Error {
  override readonly name = 'AgentApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The API of one running agent. */
export class AgentApi {
  constructor(
    /** `http://127.0.0.1:<port>` */
    readonly url: string,
    /** the per-start token of the ready line */
    readonly token: string,
  ) {}

  /** The agent's status. */
  async status(): Promise<AgentStatus> {
    return (await this.#json('GET', '/api/status', z.object({ status: statusSchema }))).status;
  }

  /** Create a profile (and unlock it). */
  async createProfile(name: string, passphrase: string): Promise<AgentStatus> {
    return (await this.#json('POST', '/api/profiles', z.object({ status: statusSchema }), { name, passphrase })).status;
  }

  /** Unlock an existing profile; an enrolled one starts its session. */
  async unlock(name: string, passphrase: string): Promise<AgentStatus> {
    return (await this.#json('POST', '/api/profiles/unlock', z.object({ status: statusSchema }), { name, passphrase })).status;
  }

  /** Enrol the unlocked profile's device with an enrolment or invitation code. */
  async enrol(code: string): Promise<AgentStatus> {
    return (await this.#json('POST', '/api/account/enrol', z.object({ status: statusSchema }), { code })).status;
  }

  /** Workspaces this device is a member of. */
  async workspaces(): Promise<Workspace[]> {
    return (await this.#json('GET', '/api/workspaces', z.object({ workspaces: z.array(workspaceSchema) }))).workspaces;
  }

  /** Create a workspace with this device's user as owner. */
  async createWorkspace(kind: WorkspaceKind, label: string): Promise<Workspace> {
    return (await this.#json('POST', '/api/workspaces', z.object({ workspace: workspaceSchema }), { kind, label })).workspace;
  }

  /** The verified member list of a workspace. */
  async members(workspaceId: string): Promise<Member[]> {
    return (await this.#json('GET', `/api/workspaces/${enc(workspaceId)}/members`, z.object({ members: z.array(memberSchema) }))).members;
  }

  /** Add a professional from the directory. */
  async addMember(workspaceId: string, userId: string): Promise<Workspace> {
    return (await this.#json('POST', `/api/workspaces/${enc(workspaceId)}/members`, z.object({ workspace: workspaceSchema }), { userId })).workspace;
  }

  /** Remove a member (the agent rotates the epoch key). */
  async removeMember(workspaceId: string, userId: string): Promise<Workspace> {
    return (await this.#json('DELETE', `/api/workspaces/${enc(workspaceId)}/members/${enc(userId)}`, z.object({ workspace: workspaceSchema }))).workspace;
  }

  /** Invite a client person into a case workspace: the code enrols his device. */
  async invite(workspaceId: string, displayName: string): Promise<{ code: string; userId: string }> {
    return (await this.#json('POST', `/api/workspaces/${enc(workspaceId)}/invitations`, z.object({ invitation: invitationSchema }), { displayName })).invitation;
  }

  /** The client grants consent to organisations. */
  async grantConsent(workspaceId: string, orgIds: string[], purpose: string): Promise<Workspace> {
    return (await this.#json('POST', `/api/workspaces/${enc(workspaceId)}/consent`, z.object({ workspace: workspaceSchema }), { orgIds, purpose })).workspace;
  }

  /** The client revokes consent of organisations (their members leave, the epoch rotates). */
  async revokeConsent(workspaceId: string, orgIds: string[]): Promise<Workspace> {
    return (await this.#json('POST', `/api/workspaces/${enc(workspaceId)}/consent/revoke`, z.object({ workspace: workspaceSchema }), { orgIds })).workspace;
  }

  /** The chat of a workspace in server order. */
  async chat(workspaceId: string): Promise<ChatMessage[]> {
    return (await this.#json('GET', `/api/workspaces/${enc(workspaceId)}/chat`, z.object({ messages: z.array(chatMessageSchema) }))).messages;
  }

  /** Send a chat message. */
  async sendChat(workspaceId: string, text: string, attachments?: Attachment[]): Promise<ChatMessage> {
    const body = attachments === undefined ? { text } : { text, attachments };
    return (await this.#json('POST', `/api/workspaces/${enc(workspaceId)}/chat`, z.object({ message: chatMessageSchema }), body)).message;
  }

  /** Encrypt and upload a file; the returned ref goes into a chat message. */
  async uploadAttachment(workspaceId: string, name: string, type: string, bytes: Uint8Array): Promise<Attachment> {
    const query = new URLSearchParams({ name, type });
    const res = await this.#fetch('POST', `/api/workspaces/${enc(workspaceId)}/attachments?${query}`, { 'content-type': type }, bytes);
    return z.object({ attachment: attachmentSchema }).parse(await this.#body(res)).attachment;
  }

  /** Download and decrypt an attachment of a workspace's chat. */
  async downloadAttachment(workspaceId: string, blobId: string): Promise<Buffer> {
    const res = await this.#fetch('GET', `/api/workspaces/${enc(workspaceId)}/attachments/${enc(blobId)}`);
    if (!res.ok) await this.#body(res);
    return Buffer.from(await res.arrayBuffer());
  }

  /** The convergence fingerprint of a document (`doc:<docName>`) on this agent. */
  async documentHash(workspaceId: string, docName: string): Promise<string> {
    return (await this.#json('GET', `/api/workspaces/${enc(workspaceId)}/documents/${enc(docName)}/hash`, z.object({ hash: z.string() }))).hash;
  }

  /** The problems the agent reported since unlock. */
  /** `GET /api/devices`: this person's certified, revoked and waiting devices. */
  async devices(): Promise<OwnDevices> {
    return this.#json('GET', '/api/devices', devicesSchema);
  }

  /** `POST /api/devices/link-code`: a code for this person's next device. */
  async linkCode(): Promise<{ code: string; deviceId: number }> {
    return (await this.#json('POST', '/api/devices/link-code', linkSchema, {})).link;
  }

  /** `POST /api/devices/:id/approve`: certify a waiting device (after comparing its digits). */
  async approveDevice(deviceId: number): Promise<OwnDevices> {
    return this.#json('POST', `/api/devices/${deviceId}/approve`, devicesSchema, {});
  }

  /** `POST /api/devices/:id/revoke`: revoke one of this person's devices. */
  async revokeDevice(deviceId: number): Promise<OwnDevices> {
    return this.#json('POST', `/api/devices/${deviceId}/revoke`, devicesSchema, {});
  }

  async problems(): Promise<Problem[]> {
    return (await this.#json('GET', '/api/problems', z.object({ problems: z.array(problemSchema) }))).problems;
  }

  async #json<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const res = await this.#fetch(method, path, body === undefined ? {} : { 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
    return schema.parse(await this.#body(res));
  }

  #fetch(method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : toBytes(body) }),
    });
  }

  async #body(res: Response): Promise<unknown> {
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new AgentApiError(res.status, 'not_json', `the agent answered ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      const parsed = errorBodySchema.safeParse(json);
      const { code, message } = parsed.success ? parsed.data.error : { code: 'unknown', message: text.slice(0, 200) };
      throw new AgentApiError(res.status, code, `${res.status} ${code}: ${message}`);
    }
    return json;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}
