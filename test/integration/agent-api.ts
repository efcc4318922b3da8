/**
 * A client of one agent's local HTTP API as the UI uses it, with the bearer token: each
 * method calls a route of the local-API contract by name and parses the answer with the
 * route's schema (@yhteispoyta/local-api). A refusal becomes an {@link AgentApiError}
 * carrying the agent's error code.
 */
import { toBytes } from '@yhteispoyta/crypto/bytes';
import { ApiFailure, callRoute, openDownload } from '@yhteispoyta/local-api';
import type { Attachment, ChatMessage, HostStatus, LocalApiTransport, Member, OwnDevices, Problem, Workspace, WorkspaceKind } from '@yhteispoyta/local-api';

export type { Attachment, ChatMessage, Member, OwnDevices, Problem, Workspace } from '@yhteispoyta/local-api';
/** What the agent says about itself. */
export type AgentStatus = HostStatus;

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

/** The same call, with a refusal as an AgentApiError whose message names status and code. */
async function refusalsAsErrors<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof ApiFailure) throw new AgentApiError(err.status, err.code, `${err.status} ${err.code}: ${err.message}`);
    throw err;
  }
}

/** The API of one running agent. */
export class AgentApi {
  readonly #transport: LocalApiTransport;

  constructor(
    /** `http://127.0.0.1:<port>` */
    readonly url: string,
    /** the per-start token of the ready line */
    readonly token: string,
  ) {
    this.#transport = { baseUrl: url, headers: { authorization: `Bearer ${token}` } };
  }

  /** The agent's status. */
  async status(): Promise<AgentStatus> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'status'))).status;
  }

  /** Create a profile (and unlock it). */
  async createProfile(name: string, passphrase: string): Promise<AgentStatus> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'createProfile', { body: { name, passphrase } }))).status;
  }

  /** Unlock an existing profile; an enrolled one starts its session. */
  async unlock(name: string, passphrase: string): Promise<AgentStatus> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'unlockProfile', { body: { name, passphrase } }))).status;
  }

  /** Enrol the unlocked profile's device with an enrolment or invitation code. */
  async enrol(code: string): Promise<AgentStatus> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'enrol', { body: { code } }))).status;
  }

  /**
   * Accept every invitation waiting (issue 15): the people of these tests take part in what
   * they are added to; the invitation itself — accepting, declining, what an invited person
   * cannot see — is tested in client/agent/src/keys/invitations.test.ts and the browser
   * tests. Every call about workspaces does this first. Quiet before the session is ready.
   */
  async acceptInvitations(): Promise<void> {
    let waiting: string[];
    try {
      waiting = (await callRoute(this.#transport, 'listInvitations')).invitations.map((i) => i.workspaceId);
    } catch {
      return;
    }
    for (const workspaceId of waiting) await refusalsAsErrors(callRoute(this.#transport, 'acceptInvitation', { params: { workspaceId } }));
  }

  /** Workspaces this device is a member of (invitations accepted first). */
  async workspaces(): Promise<Workspace[]> {
    await this.acceptInvitations();
    return (await refusalsAsErrors(callRoute(this.#transport, 'listWorkspaces'))).workspaces;
  }

  /** Create a workspace with this device's user as owner. */
  async createWorkspace(kind: WorkspaceKind, label: string): Promise<Workspace> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'createWorkspace', { body: { kind, label } }))).workspace;
  }

  /** The verified member list of a workspace. */
  async members(workspaceId: string): Promise<Member[]> {
    await this.acceptInvitations();
    return (await refusalsAsErrors(callRoute(this.#transport, 'listMembers', { params: { workspaceId } }))).members;
  }

  /** Add a professional from the directory. */
  async addMember(workspaceId: string, userId: string): Promise<Workspace> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'addMember', { params: { workspaceId }, body: { userId } }))).workspace;
  }

  /** Remove a member (the agent rotates the epoch key). */
  async removeMember(workspaceId: string, userId: string): Promise<Workspace> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'removeMember', { params: { workspaceId, userId } }))).workspace;
  }

  /** Invite a client person into a case workspace: the code enrols his device. */
  async invite(workspaceId: string, displayName: string): Promise<{ code: string; userId: string }> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'inviteClient', { params: { workspaceId }, body: { displayName } }))).invitation;
  }

  /** The client grants consent to organisations. */
  async grantConsent(workspaceId: string, orgIds: string[], purpose: string): Promise<Workspace> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'grantConsent', { params: { workspaceId }, body: { orgIds, purpose } }))).workspace;
  }

  /** The client revokes consent of organisations (their members leave, the epoch rotates). */
  async revokeConsent(workspaceId: string, orgIds: string[]): Promise<Workspace> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'revokeConsent', { params: { workspaceId }, body: { orgIds } }))).workspace;
  }

  /** The chat of a workspace in server order. */
  async chat(workspaceId: string): Promise<ChatMessage[]> {
    await this.acceptInvitations();
    return (await refusalsAsErrors(callRoute(this.#transport, 'listChat', { params: { workspaceId } }))).messages;
  }

  /** Send a chat message. */
  async sendChat(workspaceId: string, text: string, attachments?: Attachment[]): Promise<ChatMessage> {
    const body = attachments === undefined ? { text } : { text, attachments };
    await this.acceptInvitations();
    return (await refusalsAsErrors(callRoute(this.#transport, 'sendChat', { params: { workspaceId }, body }))).message;
  }

  /** Encrypt and upload a file; the returned ref goes into a chat message. */
  async uploadAttachment(workspaceId: string, name: string, type: string, bytes: Uint8Array): Promise<Attachment> {
    const input = { params: { workspaceId }, query: { name, type }, file: toBytes(bytes), contentType: type };
    await this.acceptInvitations();
    return (await refusalsAsErrors(callRoute(this.#transport, 'uploadAttachment', input))).attachment;
  }

  /** Download and decrypt an attachment of a workspace's chat. */
  async downloadAttachment(workspaceId: string, blobId: string): Promise<Buffer> {
    await this.acceptInvitations();
    const res = await refusalsAsErrors(openDownload(this.#transport, 'downloadAttachment', { params: { workspaceId, blobId } }));
    return Buffer.from(await res.arrayBuffer());
  }

  /** The convergence fingerprint of a document (`doc:<docName>`) on this agent. */
  async documentHash(workspaceId: string, docName: string): Promise<string> {
    await this.acceptInvitations();
    return (await refusalsAsErrors(callRoute(this.#transport, 'documentHash', { params: { workspaceId, docName } }))).hash;
  }

  /** `GET /api/devices`: this person's certified, revoked and waiting devices. */
  async devices(): Promise<OwnDevices> {
    return refusalsAsErrors(callRoute(this.#transport, 'listDevices'));
  }

  /** `POST /api/devices/link-code`: a code for this person's next device. */
  async linkCode(): Promise<{ code: string; deviceId: number }> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'createLinkCode'))).link;
  }

  /** `POST /api/devices/:id/approve`: certify a waiting device (after comparing its digits). */
  async approveDevice(deviceId: number): Promise<OwnDevices> {
    return refusalsAsErrors(callRoute(this.#transport, 'approveDevice', { params: { deviceId: String(deviceId) } }));
  }

  /** `POST /api/devices/:id/revoke`: revoke one of this person's devices. */
  async revokeDevice(deviceId: number): Promise<OwnDevices> {
    return refusalsAsErrors(callRoute(this.#transport, 'revokeDevice', { params: { deviceId: String(deviceId) } }));
  }

  /** The problems the agent reported since unlock. */
  async problems(): Promise<Problem[]> {
    return (await refusalsAsErrors(callRoute(this.#transport, 'problems'))).problems;
  }
}
