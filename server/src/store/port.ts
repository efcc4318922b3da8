/**
 * The storage port: everything the server persists, behind one async interface with two
 * adapters (`sqlite/` embedded default, `mongo/` for scale-out) that pass one contract
 * suite (`contract.ts`).
 *
 * The server is a blind relay: it stores opaque ciphertext plus the metadata it needs to
 * enforce its rules (single use, clocks, the snapshot chain, membership linearity).
 * Outcomes a caller must handle (a conflict, an expired code, a size limit) are typed
 * results; exceptions mean the store itself failed (I/O, a corrupt row, a closed store).
 *
 * Inputs are expected to be already parsed by the caller (zod at the network edge); the
 * store still enforces every rule named here itself, atomically, also across processes
 * sharing one database.
 *
 * Times are ms since epoch (server clock) and are always passed in, never read inside the
 * store, so expiry rules can be tested.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { Certificate, CertificateType } from '@yhteispoyta/crypto/certificates/types';
import type {
  ClaimedBundle,
  ControlMessage,
  DeviceRef,
  EnvelopeKind,
  MailboxItem,
  MemberInfo,
  MembershipEvent,
  PrekeyUpload,
  PublicPrekey,
  Role,
  SignedPublicPrekey,
  WorkspaceKind,
} from '@yhteispoyta/crypto/types';

/** A successful typed result, optionally with a value. */
export type Ok<T extends object = object> = { readonly ok: true } & T;
/** A failed typed result: a stable code plus optional detail. */
export type Fail<C extends string, T extends object = object> = { readonly ok: false; readonly code: C } & T;

// ---------------------------------------------------------------------------------------
// Organisations, users, devices

/** An organisation (municipality, Kela office, health district …). */
export interface OrgRecord {
  readonly id: string;
  /** the name its certificate gives it */
  readonly name: string;
  readonly createdAt: number;
  /**
   * the newest organisation certificate the deployment root signed for it; absent only
   * for the built-in clients organisation, which no root certifies (clients are
   * certified one by one by the professionals who invite them)
   */
  readonly certificate?: Certificate<'org'>;
}

/** A person: a professional of an organisation or a client person. */
export interface UserRecord {
  readonly id: string;
  readonly orgId: string;
  readonly role: Role;
  readonly displayName: string;
  readonly createdAt: number;
}

/** One registered libsignal device of a user, with its public long-term prekeys. */
export interface DeviceRecord {
  readonly userId: string;
  /** 1–127 */
  readonly deviceId: number;
  /** serialized identity PublicKey */
  readonly identityKey: Bytes;
  readonly registrationId: number;
  readonly signedPreKey: SignedPublicPrekey;
  readonly lastResortKyberPreKey: SignedPublicPrekey;
  readonly createdAt: number;
  /** set when the device was removed; a removed device has no prekeys and no mailbox */
  readonly removedAt?: number;
}

/** How many one-time prekeys a device has left on the server. */
export interface PrekeyCounts {
  readonly oneTimePreKeys: number;
  readonly oneTimeKyberPreKeys: number;
}

// ---------------------------------------------------------------------------------------
// Codes, challenges, sessions

/** What a single-use code is for. */
export const CODE_KINDS = ['enrolment', 'invitation', 'device_link'] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

/**
 * A single-use code as stored, keyed by its id (`enr_…`, `inv_…`, `lnk_…`). The code's
 * secret never reaches the server: the issuer keeps it, and the redeeming device proves
 * knowledge of it to the issuer, not to the server. `userId` is the user a device
 * registered with this code belongs to.
 */
export interface CodeRecord {
  readonly codeId: string;
  readonly kind: CodeKind;
  readonly userId: string;
  /** context for the issuer: the workspace of an invitation, the issuing device, a link code's device id */
  readonly detail: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt?: number;
}

/** Input of {@link Store.createCode}. */
export type NewCode = Omit<CodeRecord, 'usedAt'>;

/** A login challenge: the device must sign `nonce` with its identity key. */
export interface ChallengeRecord {
  readonly id: string;
  readonly device: DeviceRef;
  readonly nonce: Bytes;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A login session as stored: only SHA-256 of the bearer token (`tokenHash`, hex). */
export interface SessionRecord {
  readonly tokenHash: string;
  readonly device: DeviceRef;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Input of {@link Store.createSession}: the plaintext token is hashed, never stored. */
export interface NewSession {
  readonly token: string;
  readonly device: DeviceRef;
  readonly createdAt: number;
  readonly expiresAt: number;
}

// ---------------------------------------------------------------------------------------
// The deployment root, certificates and pending enrolments

/** The deployment root's public key, set once by the service owner's tooling. */
export interface RootRecord {
  /** serialized public key */
  readonly key: Bytes;
  readonly setAt: number;
}

/**
 * A stored certificate (signature checked by the caller before it was put). The subject
 * columns are derived from the body by the store (see certificate-columns.ts), so both
 * adapters look certificates up by the same rules.
 */
export interface CertificateRecord {
  /** hex SHA-256 of the certificate's canonical JSON (`certificateId`) */
  readonly id: string;
  readonly type: CertificateType;
  /** the person the certificate is about (user, device, client, both revocations) */
  readonly userId?: string;
  /** the organisation it is about or issued under (org, user, user revocation) */
  readonly orgId?: string;
  /** device certificates and device revocations */
  readonly deviceId?: number;
  readonly certificate: Certificate;
  readonly storedAt: number;
}

/** The types of certificate filed under an organisation (see {@link Store.listCertificatesOfOrgs}). */
export type OrgCertificateType = Extract<CertificateType, 'org' | 'user' | 'user_revocation'>;

/**
 * A device that redeemed a code, waiting for the code's issuer to check its proof and
 * certify it. It stays as a record after it is closed (its device certificate stored).
 */
export interface EnrolmentRecord {
  readonly codeId: string;
  readonly kind: CodeKind;
  readonly userId: string;
  /** the user's organisation when the device enrolled */
  readonly orgId: string;
  readonly deviceId: number;
  /** serialized identity key the device registered */
  readonly identityKey: Bytes;
  readonly registrationId: number;
  /** the person's new user key (enrolment and invitation codes) */
  readonly userKey?: Bytes;
  /** the device certificate the device signed with that user key */
  readonly deviceCertificate?: Certificate<'device'>;
  /** hex HMAC under the code's secret: the server cannot check it, the issuer does */
  readonly proof: string;
  readonly enrolledAt: number;
  /** the device that issued the code (invitations, link codes) */
  readonly issuedBy?: DeviceRef;
  /** invitations: the case workspace the client was invited into */
  readonly workspaceId?: string;
  /** when the device certificate of this (user, device, identity key) was stored */
  readonly closedAt?: number;
}

/** Input of {@link Store.createEnrolment}. */
export type NewEnrolment = Omit<EnrolmentRecord, 'closedAt'>;

/**
 * Filter of {@link Store.listEnrolments}: by organisation or by user (one of them, so the
 * query always has an index to use), and optionally by kind and open ones only.
 */
export type EnrolmentQuery = ({ readonly orgId: string; readonly userId?: never } | { readonly userId: string; readonly orgId?: never }) & {
  readonly kind?: CodeKind;
  /** only enrolments not closed yet */
  readonly openOnly?: boolean;
  readonly limit: number;
};

// ---------------------------------------------------------------------------------------
// Workspaces and membership

/** A workspace as the server knows it (the label may be pseudonymous). */
export interface WorkspaceRecord {
  readonly id: string;
  readonly kind: WorkspaceKind;
  readonly label: string;
  readonly createdAt: number;
  readonly lastActivityAt: number;
}

/** A stored membership event with the hex SHA-256 of its canonical bytes (the next prevHash). */
export interface StoredMembershipEvent {
  readonly event: MembershipEvent;
  readonly hash: string;
}

/** The `prevHash` of seq 0 and the audit chain's genesis: 64 hex zeros. */
export const ZERO_HASH_HEX = '0'.repeat(64);

/** The server's materialised view of a workspace's members, computed from the chain. */
export interface MembershipView {
  /** seq of the last membership event the view reflects */
  readonly asOfSeq: number;
  readonly members: readonly MemberInfo[];
}

// ---------------------------------------------------------------------------------------
// Envelopes and snapshots

/** Kinds of envelope that {@link Store.appendEnvelope} stores (presence is never stored). */
export type StoredEnvelopeKind = Extract<EnvelopeKind, 'update' | 'chat'>;

/** Input of {@link Store.appendEnvelope}; the header fields come from the verified header. */
export interface NewEnvelope {
  readonly workspaceId: string;
  readonly stream: string;
  readonly kind: StoredEnvelopeKind;
  /** `userId.deviceId` of the author */
  readonly authorKey: string;
  /** per (workspace, stream, author): exactly last + 1, the first one is 1 */
  readonly clock: number;
  /** the active snapshot this envelope builds on ('' before the first snapshot) */
  readonly snapshotId: string;
  readonly epoch: number;
  /** the whole encoded envelope, opaque to the store */
  readonly bytes: Bytes;
  readonly receivedAt: number;
}

/**
 * A stored update/chat envelope. `seq` is a per-workspace server sequence shared with
 * snapshots, starting at 1: it only increases, but it may have holes (with the mongo
 * adapter a number is taken before the insert, and an insert that then fails, a lost
 * snapshot compare-and-set or a crash leaves its number unused; pruning deletes envelopes
 * too). With the mongo adapter and several server processes writing to the same
 * workspace, an envelope can become readable a few milliseconds after one with a higher
 * seq; readers paging by seq should therefore re-read a little behind their cursor and
 * de-duplicate by (authorKey, clock). Per-author clocks, not seq, are the ground truth for
 * completeness.
 */
export interface StoredEnvelope extends NewEnvelope {
  readonly seq: number;
}

/** Result of {@link Store.appendEnvelope}. */
export type AppendEnvelopeResult =
  | Ok<{ seq: number }>
  /** `expected` is the clock the store would accept next (last + 1) */
  | Fail<'clock_gap' | 'clock_replay', { expected: number }>
  | Fail<'stale_snapshot', { activeSnapshotId: string }>;

/** Input of {@link Store.appendSnapshot}. */
export interface NewSnapshot {
  readonly workspaceId: string;
  readonly stream: string;
  /** non-empty, unique within the stream */
  readonly snapshotId: string;
  /** the snapshot this one extends ('' for the first) */
  readonly parentSnapshotId: string;
  readonly authorKey: string;
  readonly epoch: number;
  /** for each author key, the last clock of that author's updates this snapshot includes */
  readonly coveredClocks: Readonly<Record<string, number>>;
  /** the whole encoded snapshot envelope, opaque to the store */
  readonly bytes: Bytes;
  readonly receivedAt: number;
}

/** A stored snapshot; `seq` comes from the same per-workspace sequence as envelopes. */
export interface StoredSnapshot extends NewSnapshot {
  readonly seq: number;
}

/** Snapshot history entry (no bytes). */
export type SnapshotInfo = Omit<StoredSnapshot, 'bytes'>;

/** Result of {@link Store.appendSnapshot}. */
export type AppendSnapshotResult =
  | Ok<{ seq: number }>
  /** the parent is not the active snapshot (another snapshot won, or the caller is behind) */
  | Fail<'stale_snapshot', { activeSnapshotId: string }>
  /** an update from `authorKey` up to `required` references the parent but is not covered */
  | Fail<'not_covering', { authorKey: string; required: number }>
  /** a snapshot with this id already exists in the stream */
  | Fail<'duplicate_snapshot'>;

/** The state a joining device needs: the active snapshot and the envelopes built on it. */
export interface StreamState {
  readonly snapshot: StoredSnapshot | null;
  /** envelopes whose snapshotId is the active snapshot's id ('' if none), by seq */
  readonly envelopes: readonly StoredEnvelope[];
}

// ---------------------------------------------------------------------------------------
// Blobs

/** Blobs are stored in chunks of the protocol's chunk size (the last one may be shorter). */
export { BLOB_CHUNK_BYTES } from '@yhteispoyta/crypto/protocol/blobs';

/** Metadata of a stored (complete) blob. */
export interface BlobInfo {
  readonly id: string;
  readonly workspaceId: string;
  readonly size: number;
  /** hex SHA-256 of the whole content (of the ciphertext: blobs are opaque) */
  readonly sha256: string;
  readonly createdAt: number;
}

/** A blob being read: metadata plus its content, chunk by chunk. */
export interface BlobReader {
  readonly info: BlobInfo;
  readonly chunks: AsyncIterable<Bytes>;
}

// ---------------------------------------------------------------------------------------
// Audit log

/** Input of {@link Store.appendAudit}. */
export interface NewAuditEntry {
  readonly at: number;
  /** the acting device, or null for the server or an admin */
  readonly actor: DeviceRef | null;
  /** e.g. `join`, `fetch`, `membership`, `key_distribution`, `export` */
  readonly action: string;
  readonly workspaceId?: string;
  readonly detail: Readonly<Record<string, string>>;
}

/**
 * An audit entry. The log is one global chain:
 * `hash = SHA-256(prevHash ‖ canonicalJson(entry without hashes))` (see audit-chain.ts).
 */
export interface AuditEntry extends NewAuditEntry {
  /** 1, 2, 3 … without holes */
  readonly seq: number;
  /** hex; 64 zeros for seq 1 */
  readonly prevHash: string;
  /** hex */
  readonly hash: string;
}

/** Filter of {@link Store.queryAudit}; all given conditions must hold. */
export interface AuditQuery {
  readonly workspaceId?: string;
  readonly actor?: DeviceRef;
  /** inclusive */
  readonly fromAt?: number;
  /** exclusive */
  readonly toAt?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

/** Result of {@link Store.verifyAuditChain}. */
export type AuditVerification = Ok<{ entries: number }> | Fail<'broken', { seq: number }>;

// ---------------------------------------------------------------------------------------
// The port

/** Health probe result. */
export type StoreHealth = Ok<{ kind: StoreKind }> | Fail<'unavailable', { kind: StoreKind; error: string }>;

/** Which adapter a store is. */
export type StoreKind = 'sqlite' | 'mongo';

/** Everything the server persists. Every method is safe to call concurrently. */
export interface Store {
  readonly kind: StoreKind;

  // the deployment root
  /** The deployment root, or null before it is set. */
  getRoot(): Promise<RootRecord | null>;
  /**
   * Set the deployment root once. The same key again is `ok` (a retried set-up); another
   * key is `conflict` with the key already set: the root never changes under agents that
   * pinned it. Of concurrent first sets exactly one key wins.
   */
  setRoot(root: RootRecord): Promise<Ok | Fail<'conflict', { current: RootRecord }>>;

  // organisations and users
  /** Create an organisation. */
  createOrg(org: OrgRecord): Promise<Ok | Fail<'exists'>>;
  /** An organisation, or null. */
  getOrg(id: string): Promise<OrgRecord | null>;
  /** Every organisation, oldest first. */
  listOrgs(): Promise<OrgRecord[]>;
  /**
   * Replace the certificate (and the name) of the organisation a renewal names. `stale` when the
   * stored certificate has a later `notBefore`: an older certificate never replaces a
   * newer one, whatever order renewals arrive in.
   */
  setOrgCertificate(certificate: Certificate<'org'>): Promise<Ok | Fail<'not_found' | 'stale'>>;
  /** Create a user in an existing organisation. */
  createUser(user: UserRecord): Promise<Ok | Fail<'exists' | 'unknown_org'>>;
  /** A user, or null. */
  getUser(id: string): Promise<UserRecord | null>;
  /** The users of an organisation, oldest first. */
  listUsers(orgId: string): Promise<UserRecord[]>;

  // devices and prekeys
  /**
   * Register a device with its public prekeys (signatures already verified by the caller).
   * A removed device's id may be registered again (a new identity).
   */
  registerDevice(
    userId: string,
    upload: PrekeyUpload,
    createdAt: number,
  ): Promise<Ok | Fail<'unknown_user' | 'device_exists' | 'invalid_device_id' | 'invalid_identity_key'>>;
  /** A device, removed or not; null if never registered. */
  getDevice(ref: DeviceRef): Promise<DeviceRecord | null>;
  /** A user's devices by deviceId; removed ones only if asked. */
  listDevices(userId: string, includeRemoved?: boolean): Promise<DeviceRecord[]>;
  /**
   * Mark a device removed and delete its one-time prekeys and its mailbox (its sessions
   * are ended separately with deleteSessionsOfDevice).
   */
  removeDevice(ref: DeviceRef, removedAt: number): Promise<Ok | Fail<'not_found'>>;
  /**
   * Hand out a bundle for an active device. Each one-time EC and Kyber prekey is handed
   * out at most once, also under concurrency; when none is left the bundle has no `preKey`
   * and carries the last-resort Kyber prekey. null for an unknown or removed device.
   */
  claimBundle(ref: DeviceRef): Promise<ClaimedBundle | null>;
  /** Remaining one-time prekeys; null for an unknown or removed device. */
  prekeyCounts(ref: DeviceRef): Promise<PrekeyCounts | null>;
  /**
   * Top up one-time prekeys. Ids the device already has on the server are skipped, so a
   * retried upload is harmless; `added` counts the new ones.
   */
  addOneTimePrekeys(
    ref: DeviceRef,
    preKeys: readonly PublicPrekey[],
    kyberPreKeys: readonly SignedPublicPrekey[],
  ): Promise<Ok<{ added: PrekeyCounts }> | Fail<'not_found'>>;
  /** Replace the signed EC prekey and, if given, the last-resort Kyber prekey. */
  replaceSignedPrekeys(
    ref: DeviceRef,
    signedPreKey: SignedPublicPrekey,
    lastResortKyberPreKey?: SignedPublicPrekey,
  ): Promise<Ok | Fail<'not_found'>>;

  // single-use codes
  /** Register a new code id (`exists` if the id is taken, used or not). */
  createCode(code: NewCode): Promise<Ok | Fail<'exists'>>;
  /**
   * Atomically use a code of the given kind: exactly one caller ever gets `ok`.
   * A code of another kind is `not_found`.
   */
  consumeCode(
    codeId: string,
    kind: CodeKind,
    now: number,
  ): Promise<Ok<{ record: CodeRecord }> | Fail<'not_found' | 'expired' | 'used'>>;

  // certificates
  /**
   * Store a certificate. Idempotent by certificate id: storing the same certificate again
   * is `ok` with `created: false` and changes nothing.
   */
  putCertificate(certificate: Certificate, storedAt: number): Promise<Ok<{ id: string; created: boolean }>>;
  /** Certificates whose subject is one of these users (user, client, device, revocations), oldest first, at most `limit`. */
  listCertificatesOfUsers(userIds: readonly string[], limit: number): Promise<CertificateRecord[]>;
  /**
   * Certificates of `type` issued under these organisations (`org`: the organisations'
   * own; `user`, `user_revocation`: of their people), oldest first, at most `limit`.
   */
  listCertificatesOfOrgs(orgIds: readonly string[], type: OrgCertificateType, limit: number): Promise<CertificateRecord[]>;

  // pending enrolments
  /** Record the enrolment of a device with a code; one per code id (`exists` otherwise). */
  createEnrolment(enrolment: NewEnrolment): Promise<Ok | Fail<'exists'>>;
  /** The enrolment made with a code, open or closed, or null. */
  getEnrolment(codeId: string): Promise<EnrolmentRecord | null>;
  /** Enrolments matching the query, oldest first. */
  listEnrolments(query: EnrolmentQuery): Promise<EnrolmentRecord[]>;
  /**
   * Close the open enrolments of exactly this device and identity key (its device
   * certificate was stored). Returns how many were closed; closing again closes none.
   */
  closeEnrolments(device: DeviceRef, identityKey: Bytes, closedAt: number): Promise<number>;

  // login challenges and sessions
  /** Store a login challenge. */
  createChallenge(challenge: ChallengeRecord): Promise<Ok | Fail<'exists'>>;
  /** Atomically take (and delete) a challenge: exactly one caller ever gets it. */
  consumeChallenge(id: string, now: number): Promise<Ok<{ record: ChallengeRecord }> | Fail<'not_found' | 'expired'>>;
  /** Store a session (only SHA-256 of the token; the record's `tokenHash` is that hash). */
  createSession(session: NewSession): Promise<SessionRecord>;
  /** The unexpired session of a bearer token (looked up by the token's hash), or null. */
  getSession(token: string, now: number): Promise<SessionRecord | null>;
  /** End a session; false if there was none. */
  deleteSession(token: string): Promise<boolean>;
  /** End every session of a device (on removal). Returns how many. */
  deleteSessionsOfDevice(ref: DeviceRef): Promise<number>;
  /** Delete expired challenges, sessions and codes (used or not). Returns how many rows. */
  purgeExpired(now: number): Promise<number>;

  // workspaces and membership
  /** Create a workspace (lastActivityAt starts at createdAt). */
  createWorkspace(ws: Omit<WorkspaceRecord, 'lastActivityAt'>): Promise<Ok | Fail<'exists'>>;
  /** A workspace, or null. */
  getWorkspace(id: string): Promise<WorkspaceRecord | null>;
  /** Move lastActivityAt forward (never back). */
  touchWorkspace(id: string, at: number): Promise<void>;
  /**
   * Append the next membership event. Accepted only if `expectedSeq` is the chain's next
   * seq (0 for an empty chain) and `expectedPrevHash` is the hash of the event before it
   * (ZERO_HASH_HEX for seq 0), and the event itself carries exactly these workspaceId, seq
   * and prevHash. Of concurrent appends with the same seq exactly one wins.
   */
  appendMembershipEvent(
    workspaceId: string,
    entry: StoredMembershipEvent,
    expectedSeq: number,
    expectedPrevHash: string,
  ): Promise<
    | Ok
    | Fail<'unknown_workspace' | 'mismatch'>
    /** the chain moved on: `headSeq` is -1 for an empty chain */
    | Fail<'conflict', { headSeq: number; headHash: string }>
  >;
  /** Events with seq > afterSeq (-1 for all), by seq; at most `limit` (default 10 000). */
  listMembershipEvents(workspaceId: string, afterSeq: number, limit?: number): Promise<StoredMembershipEvent[]>;
  /**
   * Replace the materialised membership view; ignored as `stale` unless `view.asOfSeq`
   * is newer than the stored one (so concurrent server processes never move it back).
   */
  setMembershipView(workspaceId: string, view: MembershipView): Promise<Ok | Fail<'stale', { asOfSeq: number }>>;
  /** The current materialised view, or null before the first one. */
  getMembershipView(workspaceId: string): Promise<MembershipView | null>;
  /** Whether the device is a current member device per the view. */
  isMemberDevice(workspaceId: string, ref: DeviceRef): Promise<boolean>;
  /** Current member devices per the view (fan-out targets). */
  memberDevices(workspaceId: string): Promise<DeviceRef[]>;
  /** Ids of the workspaces the user is a member of per the views. */
  workspacesOfUser(userId: string): Promise<string[]>;

  // mailboxes
  /** Queue pairwise messages; returns their ids in input order. */
  enqueueMailbox(
    items: readonly { from: DeviceRef; to: DeviceRef; message: ControlMessage; createdAt: number }[],
  ): Promise<string[]>;
  /** A device's pending items, oldest first. */
  fetchMailbox(device: DeviceRef, limit: number): Promise<MailboxItem[]>;
  /** Delete the given items of this device only (others' ids are ignored). Returns how many. */
  ackMailbox(device: DeviceRef, ids: readonly string[]): Promise<number>;
  /** How many items wait for the device. */
  mailboxCount(device: DeviceRef): Promise<number>;

  // envelopes and snapshots
  /** Store an update/chat envelope if its clock and snapshot reference are right. */
  appendEnvelope(envelope: NewEnvelope): Promise<AppendEnvelopeResult>;
  /** Envelopes of a stream with seq > afterSeq, by seq. */
  envelopesAfter(workspaceId: string, stream: string, afterSeq: number, limit: number): Promise<StoredEnvelope[]>;
  /**
   * Compare-and-set the stream's active snapshot: accepted only if `parentSnapshotId` is
   * the active snapshot ('' before any) and `coveredClocks[a]` reaches the last clock of
   * every author `a` with updates referencing the parent. Of concurrent snapshots on the
   * same parent exactly one wins; older snapshots stay as history.
   */
  appendSnapshot(snapshot: NewSnapshot): Promise<AppendSnapshotResult>;
  /** The active snapshot and the envelopes that reference it. */
  latestState(workspaceId: string, stream: string): Promise<StreamState>;
  /** An accepted snapshot with its bytes, or null. */
  getSnapshot(workspaceId: string, stream: string, snapshotId: string): Promise<StoredSnapshot | null>;
  /** Accepted snapshots of a stream, oldest first (version history). */
  listSnapshots(workspaceId: string, stream: string): Promise<SnapshotInfo[]>;
  /**
   * Delete envelopes covered by a snapshot accepted before `olderThan` (they reference
   * that snapshot's parent). Clock rules are unaffected: last clocks survive pruning.
   * Returns how many were deleted.
   */
  pruneCoveredUpdates(workspaceId: string, stream: string, olderThan: number): Promise<number>;

  // blobs
  /**
   * Store a blob from a stream of chunks. More than `maxBytes` → `too_large` and nothing
   * is left behind; a failing source stream rejects, also leaving nothing behind.
   */
  putBlob(
    workspaceId: string,
    chunks: AsyncIterable<Uint8Array>,
    maxBytes: number,
    createdAt: number,
  ): Promise<Ok<{ blob: BlobInfo }> | Fail<'too_large', { maxBytes: number }>>;
  /** A complete blob of this workspace, or null. */
  getBlob(workspaceId: string, blobId: string): Promise<BlobReader | null>;
  /** Delete a blob of this workspace; false if there was none. */
  deleteBlob(workspaceId: string, blobId: string): Promise<boolean>;
  /** Remove uploads that never completed (a crash mid-upload) started before `olderThan`. */
  purgeIncompleteBlobs(olderThan: number): Promise<number>;

  // audit log
  /** Append an entry to the global chain; returns it with its seq and hashes. */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries matching the query, by seq. */
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Recompute the whole chain; the first entry whose hash or link is wrong is reported. */
  verifyAuditChain(): Promise<AuditVerification>;

  /** Cheap liveness probe (never throws). */
  health(): Promise<StoreHealth>;
  /** Release the database; idempotent. Other methods must not be called afterwards. */
  close(): Promise<void>;
}
