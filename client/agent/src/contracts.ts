/**
 * The seams between the agent's parts. Each part is written and tested on its own
 * against these interfaces: `net/` + `account/` + `keys/` (the device, its server link and
 * verified membership/keys), `sync/` + `chat/` (documents, chat and attachments over
 * envelopes), and `api/` (what the UI talks to). `agent.ts` wires the real ones together.
 */
import type { PrivateKey, PublicKey } from '@signalapp/libsignal-client';
import type { Socket } from 'socket.io-client';
import type * as Y from 'yjs';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import type {
  Ack,
  ClientToServerEvents,
  ErrorCode,
  ParsedAck,
  ParsedNotice,
  RouteBody,
  RouteName,
  RouteQuery,
  RouteResponse,
  ServerToClientEvents,
} from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, MemberInfo, Role, WorkspaceKind } from '@yhteispoyta/crypto/types';
import type { CaseRecordView, ProblemCode, RecordAction } from '@yhteispoyta/local-api';

// ---------------------------------------------------------------------------------------
// Problems: every verification failure, refusal and sync error reaches the UI.

// The codes are part of the UI's contract (the UI explains each one): they live there.
export type { ProblemCode } from '@yhteispoyta/local-api';

/** A problem as the UI sees it. */
export interface AgentProblem {
  readonly id: string;
  /** ms since epoch */
  readonly at: number;
  readonly code: ProblemCode;
  /** plain-language English sentence; never contains plaintext, keys or tokens */
  readonly message: string;
  readonly workspaceId?: string;
  readonly stream?: string;
  /** the device the problem concerns (author of a bad envelope, changed identity …) */
  readonly device?: DeviceRef;
  /** a finer code under `code`: the rule of the case records that refused an event (`record_refused`) */
  readonly reason?: string;
}

export type NewProblem = Omit<AgentProblem, 'id' | 'at'>;

/** Which listed problems a resolution clears: a code, and where (every given field must match). */
export interface ProblemMatch {
  readonly code: ProblemCode;
  readonly workspaceId?: string;
  readonly stream?: string;
  readonly device?: DeviceRef;
}

/** Where parts report problems; the api/ part lists them and pushes them to the UI. */
export interface ProblemSink {
  report(problem: NewProblem): void;
  /** A condition reported earlier is over (e.g. withheld envelopes arrived): its problems leave the list. */
  resolve?(match: ProblemMatch): void;
}

// ---------------------------------------------------------------------------------------
// The device and its link to the central server (net/, account/)

/** This device: who it is and its signing key. */
export interface LocalDevice {
  readonly self: DeviceRef;
  readonly orgId: string;
  readonly role: Role;
  readonly displayName: string;
  readonly identityKey: PrivateKey;
  readonly identityPublicKey: PublicKey;
}

/** A REST failure: the server's typed error, or `offline` when it could not be reached. */
export class RestError extends Error {
  override readonly name = 'RestError';
  constructor(
    readonly code: ErrorCode | 'offline' | 'bad_response',
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Typed REST calls over the protocol module's route table; logs in again on 401. */
export interface RestClient {
  call<N extends RouteName>(
    route: N,
    input: { params?: Record<string, string>; query?: RouteQuery<N>; body?: RouteBody<N> },
  ): Promise<RouteResponse<N>>;
  /** streamed upload of opaque bytes; `onProgress(sentBytes)` */
  uploadBlob(workspaceId: string, body: AsyncIterable<Uint8Array>, size: number, onProgress?: (sent: number) => void): Promise<{ blobId: string; size: number }>;
  /** streamed download of opaque bytes */
  downloadBlob(workspaceId: string, blobId: string): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }>;
}

export type ServerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type LinkStatus = 'offline' | 'connecting' | 'online';

/** The ack of `E` as the link hands it over: parsed, envelopes decoded. */
type AckResult<E extends keyof ClientToServerEvents> = ParsedAck<E>;

/**
 * A {@link ServerLink} request the server did not answer — not connected, or no ack in
 * time — so the caller keeps its work and retries once the link is back. It is not one
 * of the protocol's error codes: the server never sends it.
 */
export interface LinkOffline {
  readonly ok: false;
  readonly error: { readonly code: 'offline'; readonly message: string; readonly details?: undefined };
}

/** What {@link ServerLink.request} answers: the event's ack as the protocol parses it, or {@link LinkOffline}. */
export type LinkAck<T> = Ack<T> | LinkOffline;

/** The authenticated socket.io connection, reconnecting by itself. */
export interface ServerLink {
  readonly rest: RestClient;
  status(): LinkStatus;
  /**
   * Emit with an ack, parsed with the protocol's ack schema. When not connected or on
   * timeout resolves {@link LinkOffline} (`error.code === 'offline'`) so callers can queue and retry.
   */
  request<E extends keyof ClientToServerEvents>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
    timeoutMs?: number,
  ): Promise<AckResult<E> extends Ack<infer T> ? LinkAck<T> : never>;
  /** server notices, already parsed with the protocol's schemas (invalid ones are reported as problems) */
  onNotice<E extends keyof ServerToClientEvents>(event: E, listener: (notice: ParsedNotice<E>) => void): () => void;
  /** called on every (re)connection, after authentication; sync re-joins here */
  onOnline(listener: () => void): () => void;
  onOffline(listener: () => void): () => void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// Verified membership and keys (keys/)

/** Local, verified view of a workspace's membership chain and its epoch keys. */
export interface KeyRing {
  /** the chain state this device verified itself (replayChain), if it has the workspace */
  chainState(workspaceId: string): ChainState | undefined;
  /** the newest epoch this device holds a key for, if any */
  currentEpoch(workspaceId: string): { epoch: number; key: Bytes } | undefined;
  epochKey(workspaceId: string, epoch: number): Bytes | undefined;
  /** the trusted identity key of a device (TOFU store); undefined if unknown */
  identityOf(ref: DeviceRef): Bytes | undefined;
  /** membership changed (after verification) or a new epoch key arrived */
  onChange(listener: (workspaceId: string, what: 'membership' | 'epoch') => void): () => void;
  /** Pull and verify the workspace's chain now (another member's heartbeat names a newer head). */
  refreshChain?(workspaceId: string): Promise<unknown>;
}

// ---------------------------------------------------------------------------------------
// Documents, presence, chat, attachments (sync/, chat/)

export interface SyncStatus {
  readonly link: LinkStatus;
  /** local edits and chat messages not yet acknowledged by the server */
  readonly pending: number;
  /** workspaces whose catch-up is in progress */
  readonly syncing: readonly string[];
}

/** Yjs documents of workspaces, synced as encrypted envelopes. */
export interface DocumentSync {
  /**
   * The live Y.Doc of a document stream (`doc:plan`, `doc:<meetingId>`), loaded from the
   * local cache first: the one document the browsers' room and the sync engine share.
   * Only changes in a transaction whose origin says `{ source: 'browser' }` are this
   * device's edits and sent (sync/doc-origin.ts; in-process editors use `LOCAL_EDIT`).
   */
  open(workspaceId: string, stream: string): Promise<Y.Doc>;
  /** encrypted presence for the UI's awareness: send our awareness update */
  sendPresence(workspaceId: string, stream: string, update: Uint8Array): Promise<void>;
  /** decrypted, verified presence from other devices */
  onPresence(listener: (workspaceId: string, stream: string, from: DeviceRef, update: Uint8Array) => void): () => void;
  /** SHA-256 hex of the document's state vector + content, for convergence checks */
  stateHash(workspaceId: string, stream: string): Promise<string>;
  status(): SyncStatus;
  onStatus(listener: (status: SyncStatus) => void): () => void;
  /** send whatever is queued now — the outbox is shared with the chat — and resolve when acknowledged or offline (tests and shutdown) */
  flush(): Promise<void>;
  /** close the documents (pending edits stay queued); the chat and the engine keep running */
  close(): Promise<void>;
  /** the versions of a document this device recorded (plan history), newest first */
  versions(workspaceId: string, stream: string): Promise<DocVersion[]>;
  /** when a document of the workspace last changed, as this device recorded it (ms); 0 for never */
  lastEditAt(workspaceId: string): number;
  /** one recorded version with its full Yjs state; undefined if there is no such version */
  version(workspaceId: string, stream: string, versionId: number): Promise<DocVersionState | undefined>;
  /**
   * Make the live document read like a recorded version, by an ordinary edit of this
   * device's user that the others receive like typing. Undefined if there is no such version;
   * otherwise whether anything changed.
   */
  restoreVersion(workspaceId: string, stream: string, versionId: number): Promise<boolean | undefined>;
}

/** A recorded version of a document: one person's editing session, or a verified snapshot. */
export interface DocVersion {
  readonly versionId: number;
  readonly kind: 'checkpoint' | 'snapshot';
  /** the verified signer of the edits or the snapshot (or this device) */
  readonly author: DeviceRef;
  /** others who edited in the same checkpoint at the same moment (verified signers too), in the order they joined */
  readonly coauthors: readonly DeviceRef[];
  /** ms since the epoch, as the author's signed envelope says */
  readonly at: number;
  readonly snapshotId?: string;
}

/** A recorded version with its full Yjs state. */
export interface DocVersionState extends DocVersion {
  readonly state: Uint8Array;
}

export interface AttachmentRef {
  readonly blobId: string;
  readonly name: string;
  readonly type: string;
  readonly size: number;
  /** hex SHA-256 of the plaintext */
  readonly sha256: string;
}

export interface ChatMessage {
  /** random id chosen by the author */
  readonly id: string;
  readonly workspaceId: string;
  readonly author: DeviceRef;
  readonly authorName?: string;
  readonly authorOrgId?: string;
  readonly text: string;
  readonly attachments: readonly AttachmentRef[];
  /** author's clock (ms) */
  readonly sentAt: number;
  /** server sequence: the order everybody sees */
  readonly seq: number;
  readonly editedAt?: number;
  readonly deleted: boolean;
  /** signature checked and author a member when sealed */
  readonly verified: boolean;
  /** not yet acknowledged by the server */
  readonly pending: boolean;
}

export interface TransferProgress {
  readonly transferId: string;
  readonly direction: 'upload' | 'download';
  readonly name: string;
  readonly doneBytes: number;
  readonly totalBytes: number;
}

export interface ChatService {
  list(workspaceId: string): Promise<ChatMessage[]>;
  send(workspaceId: string, text: string, attachments?: readonly AttachmentRef[]): Promise<ChatMessage>;
  edit(workspaceId: string, messageId: string, text: string): Promise<void>;
  remove(workspaceId: string, messageId: string): Promise<void>;
  onMessage(listener: (workspaceId: string, message: ChatMessage) => void): () => void;
  /** encrypt and upload; the returned ref goes into a message */
  uploadAttachment(workspaceId: string, file: { name: string; type: string; bytes: Uint8Array }, transferId?: string): Promise<AttachmentRef>;
  /** download, check the hash, decrypt */
  downloadAttachment(workspaceId: string, ref: AttachmentRef, transferId?: string): Promise<Uint8Array>;
  onProgress(listener: (progress: TransferProgress) => void): () => void;
}

/** The case records of workspaces (records/, docs/design.md §11). */
export interface RecordsService {
  /** the workspace's records as the replay of its events shows them (and, from now on, follows them) */
  list(workspaceId: string): Promise<CaseRecordView[]>;
  get(workspaceId: string, recordId: string): Promise<CaseRecordView | undefined>;
  /** create or advance a record; throws RecordRefusedError (a rule) or RangeError (input) and queues nothing then */
  send(workspaceId: string, action: RecordAction): Promise<CaseRecordView>;
  /** an attachment a record of the workspace carries */
  attachment(workspaceId: string, blobId: string): AttachmentRef | undefined;
  onChange(listener: (workspaceId: string) => void): () => void;
}

// ---------------------------------------------------------------------------------------
// Membership operations and identities (keys/)

/** A member as the verified chain records him, with what certificates say about him. */
export interface MemberView extends MemberInfo {
  /** from his certificate; for a client, the name his inviter gave (checked against the certificate) */
  readonly displayName?: string;
  /** his organisation's name as the deployment root certifies it */
  readonly orgName?: string;
  /** certificates back this person (organisation, role) and at least one of his devices in the chain */
  readonly certified: boolean;
  /** device ids the chain names for him that certificates do not back (never certified, revoked, another key) */
  readonly uncertifiedDevices: readonly number[];
  /** his organisation is outside the client's consent (only before the client's first answer: issue 13) */
  readonly outsideConsent?: boolean;
  /** a statutory basis is recorded for him (record_basis): the client's answers do not remove him */
  readonly statutoryBasis?: boolean;
}

/** Something members see in a workspace: a person's device added or removed (from the verified chain). */
export interface WorkspaceNotice {
  /** the event's signed time (ms) */
  readonly at: number;
  readonly kind: 'device_added' | 'device_removed';
  readonly userId: string;
  readonly deviceId: number;
  /** who signed the change */
  readonly by: DeviceRef;
  /** the person's name, when known */
  readonly displayName?: string;
}

/**
 * A system notice of the chat, from the verified chain: a person joined, was removed or
 * left, the client granted or revoked consent, or an owner recorded or withdrew a member's
 * statutory basis (its text is in "Tietojeni käsittely").
 */
export interface MemberNotice {
  /** the event's signed time (ms) and its place in the chain */
  readonly at: number;
  readonly seq: number;
  readonly kind: 'joined' | 'removed' | 'left' | 'consent_granted' | 'consent_revoked' | 'basis_recorded' | 'basis_withdrawn';
  /** the person who joined, was removed or left, or whose statutory basis changed */
  readonly userId?: string;
  readonly displayName?: string;
  /** his organisation as the chain recorded it */
  readonly orgId?: string;
  /** the organisations a consent change names */
  readonly orgIds?: readonly string[];
  /** who signed the change */
  readonly by: DeviceRef;
  readonly byName?: string;
}

/** Someone who was a member and no longer is, as the verified chain last recorded him. */
export interface FormerMember {
  readonly userId: string;
  readonly orgId: string;
  readonly role: Role;
  readonly displayName?: string;
  readonly orgName?: string;
  /** when the removal was signed, and by whom (himself when he left) */
  readonly removedAt: number;
  readonly removedBy: DeviceRef;
  readonly left: boolean;
}

/** A workspace this device lost access to, as its verified chain tells it: who removed it and when. */
export interface RemovalView {
  readonly workspaceId: string;
  readonly label: string;
  /** the signed time of the verified event that removed this device; absent when it never saw that event */
  readonly at?: number;
  /** who signed it; name and organisation only from his certificates */
  readonly by?: { readonly userId: string; readonly displayName?: string; readonly orgName?: string };
  /** he removed himself (left the workspace) */
  readonly left: boolean;
}

/** A workspace someone else added this professional to, waiting for his decision (issue 15). */
export interface WorkspaceInvitation {
  readonly workspaceId: string;
  readonly kind: WorkspaceKind;
  /** as the chain's creator gave it: nobody vouches for the text, the UI shows it as unverified */
  readonly label: string;
  /** the signed time of the event that added him */
  readonly invitedAt: number;
  /** who signed that event; name and organisation only from his certificates */
  readonly invitedBy: { readonly userId: string; readonly displayName?: string; readonly orgName?: string; readonly certified: boolean };
}

export interface WorkspaceSummary {
  readonly workspaceId: string;
  readonly kind: WorkspaceKind;
  readonly label: string;
  readonly epoch: number;
  readonly closed: boolean;
  readonly lastActivityAt: number;
  readonly members: readonly MemberView[];
  /** device additions and removals, oldest first */
  readonly notices: readonly WorkspaceNotice[];
  /** userId of the member who created the workspace (the author of its chain's `create` event) */
  readonly createdBy?: string;
  /** the client's consent in force, as the verified chain records it (case workspaces) */
  readonly consent?: ConsentInfo;
  /** case with a client: whether the client has answered; members outside the consent exist only before */
  readonly consentAnswered?: boolean;
  /** joins, removals, departures and consent changes, oldest first: the chat's system notices */
  readonly memberNotices?: readonly MemberNotice[];
  /** people removed (or gone) from the workspace: their old messages keep their organisation */
  readonly formerMembers?: readonly FormerMember[];
}

/** A consent answer that removes every owner hands the case over or closes it (crypto ConsentEnding). */
export interface ConsentEndingChoice {
  readonly handOverTo?: string;
  readonly close?: true;
}

/** A client's consent: which organisations may take part, for what purpose, until when. */
export interface ConsentInfo {
  readonly orgIds: readonly string[];
  readonly purpose: string;
  /** ms since epoch; absent: until revoked */
  readonly expiresAt?: number;
  /** the client's device that signed it */
  readonly grantedBy: DeviceRef;
}

/** One person of a workspace as safety numbers show him: one number covers all his certified devices. */
export interface IdentityInfo {
  readonly userId: string;
  readonly kind: 'professional' | 'client';
  readonly displayName?: string;
  readonly orgName?: string;
  readonly role?: Role;
  /** 60-digit safety number between this person's user key and the other's */
  readonly safetyNumber: string;
  readonly verified: boolean;
  /** certificates now give this person another user key than the one first seen: compare before accepting */
  readonly changed: boolean;
  /** his certified devices (the number covers them all) */
  readonly devices: readonly number[];
}

/* The verified chain's history of a workspace, for the case timeline (keys/chain-history.ts). */

/** A person of the chain. */
export interface ChainPerson {
  readonly userId: string;
  /** null for the client */
  readonly orgId: string | null;
  readonly role?: Role;
  readonly displayName?: string;
  readonly orgName?: string;
}

/** One membership or consent event. */
export interface ChainHistoryEntry {
  readonly seq: number;
  readonly at: number;
  readonly kind: 'case_opened' | 'member_added' | 'member_removed' | 'consent_granted' | 'consent_changed' | 'consent_revoked' | 'basis_recorded' | 'basis_withdrawn';
  /** the userId of the event's author */
  readonly by: string;
  /** the member added or removed, or whose statutory basis was recorded or withdrawn */
  readonly subject?: string;
  /** the organisations a consent event names */
  readonly orgIds?: readonly string[];
}

/** The chain's history of one workspace. */
export interface ChainHistory {
  /** the signed time of `create` */
  readonly openedAt: number;
  readonly entries: readonly ChainHistoryEntry[];
  /** everyone the chain named, by userId */
  readonly people: ReadonlyMap<string, ChainPerson>;
}

export interface MembershipService {
  list(): Promise<WorkspaceSummary[]>;
  /** Workspaces this device was removed from (or left), newest first, with who removed it and when when the chain tells. */
  removals(): Promise<RemovalView[]>;
  create(kind: WorkspaceKind, label: string): Promise<WorkspaceSummary>;
  /** add a professional from the organisation directory (all his current devices) */
  addMember(workspaceId: string, userId: string, opts?: { owner?: boolean }): Promise<WorkspaceSummary>;
  /** create a client invitation (case workspaces); the client person enrols with the code */
  inviteClient(workspaceId: string, displayName: string): Promise<{ code: string; userId: string; expiresAt: number }>;
  removeMember(workspaceId: string, userId: string): Promise<WorkspaceSummary>;
  removeDevice(workspaceId: string, device: DeviceRef): Promise<WorkspaceSummary>;
  /** client only */
  grantConsent(workspaceId: string, consent: { orgIds: string[]; purpose: string; expiresAt?: number } & ConsentEndingChoice): Promise<WorkspaceSummary>;
  /** client only; removes those organisations' members and rotates the epoch key */
  revokeConsent(workspaceId: string, orgIds: string[], ending?: ConsentEndingChoice): Promise<WorkspaceSummary>;
  /**
   * owner only, for a professional of the owner's own organisation: record the statutory basis
   * on which he takes part (its text reaches members encrypted), or withdraw it (`null`)
   */
  recordBasis(workspaceId: string, userId: string, basis: string | null): Promise<WorkspaceSummary>;
  directory(): Promise<{ orgs: { orgId: string; name: string }[] }>;
  /**
   * Professionals of an organisation whose name holds `query` (the server answers at most 20,
   * issue 15), each verified from his certificates: name, role and organisation as they say.
   */
  orgUsers(orgId: string, query: string): Promise<{ userId: string; displayName: string; role: Role; orgId: string }[]>;
  identities(workspaceId: string): Promise<IdentityInfo[]>;
  setVerified(userId: string, verified: boolean): Promise<void>;
  /** the user saw the new safety number and accepts the person's changed user key */
  acceptIdentityChange(userId: string): Promise<void>;
  /** the verified chain's openings, members added and removed and consent events, and everyone it named; undefined for a workspace this device does not hold */
  history(workspaceId: string): Promise<ChainHistory | undefined>;
  /** workspaces someone else added this professional to that he has neither accepted nor declined */
  invitations(): Promise<WorkspaceInvitation[]>;
  /** whether the workspace is among this person's own: created, joined as the client, or accepted */
  isAccepted(workspaceId: string): boolean;
  /** accept an invitation (a decision kept in this profile only) */
  acceptInvitation(workspaceId: string): Promise<WorkspaceSummary>;
  /** decline: leave the workspace by a signed self-removal; its owners rotate the key */
  declineInvitation(workspaceId: string): Promise<void>;
  /** a client already enrolled redeems a further invitation code; the inviting owner's agent then certifies and adds him */
  joinWithCode(code: string): Promise<{ workspaceId: string }>;
}

// ---------------------------------------------------------------------------------------
// This person's devices and this device's certification (identity/)

/** Where this device stands: certified by its organisation / inviter / own person, waiting, or revoked. */
export interface Certification {
  readonly state: 'pending' | 'certified' | 'revoked';
  /** a further device waiting for approval: the digits to compare on the approving device */
  readonly approvalCode?: string;
  /** the organisation's certified name, once certified */
  readonly orgName?: string;
}

/** One certified device of this person. */
export interface OwnDevice {
  readonly deviceId: number;
  /** this very device */
  readonly current: boolean;
  readonly created: number;
  readonly revoked: boolean;
}

/** A device that redeemed one of this device's link codes and waits for approval. */
export interface PendingOwnDevice {
  readonly deviceId: number;
  readonly approvalCode: string;
  readonly enrolledAt: number;
}

export interface DeviceService {
  certification(): Certification;
  list(): Promise<{ devices: OwnDevice[]; pending: PendingOwnDevice[]; canApprove: boolean }>;
  /** a code for the person's next device (this device must hold the user key) */
  createLinkCode(): Promise<{ code: string; deviceId: number; expiresAt: number }>;
  /** sign the pending device's certificate and add it to every workspace of this person */
  approve(deviceId: number): Promise<void>;
  /** refuse a pending device (its digits did not match): it is not offered again */
  reject(deviceId: number): Promise<void>;
  /** revoke one of this person's devices and remove it from every workspace */
  revoke(deviceId: number): Promise<void>;
  /** certification or the person's devices may have changed */
  onChange(listener: () => void): () => void;
}
