/**
 * mongoose schemas and models of the mongo adapter, with the indexes its queries need and
 * the unique indexes that back its rules (one event per chain seq, one envelope per author
 * clock, one chunk per blob position …). Maps whose keys are free-form (author keys contain
 * dots) are stored as JSON strings or under escaped keys (see field-keys.ts).
 */
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';

/**
 * An organisation; _id is its id. `certificate` is the canonical JSON of its newest
 * organisation certificate (absent for the clients organisation), `certificateNotBefore`
 * that certificate's notBefore, the condition a renewal is written under.
 */
export interface OrgDoc { _id: string; name: string; createdAt: number; certificate?: string; certificateNotBefore?: number }
/** The deployment root; _id is always 'root', so the unique _id makes it set-once. */
export interface RootDoc { _id: string; key: Buffer; setAt: number }
/** A stored certificate; _id is its id, `json` its canonical JSON, the rest derived lookup fields. */
export interface CertificateDoc {
  _id: string; type: string; userId?: string; orgId?: string; deviceId?: number; json: string; storedAt: number;
}
/** A leaf of the transparency log; _id is its index (0, 1, 2 … without gaps), certificateId unique. */
export interface LogLeafDoc { _id: number; certificateId: string; leafHash: Buffer }
/** The root's certificate of a log key; _id is the key (base64), `json` the certificate's canonical JSON. */
export interface LogCertificateDoc { _id: string; json: string; storedAt: number }
/** An enrolment waiting for its code's issuer; _id is the code id (a code enrols one device). */
export interface EnrolmentDoc {
  _id: string; kind: string; userId: string; orgId: string; deviceId: number; identityKey: Buffer; keyHash: string;
  registrationId: number; userKey?: Buffer; deviceCertificate?: string; proof: string; enrolledAt: number;
  issuedByUser?: string; issuedByDevice?: number; workspaceId?: string; closedAt?: number;
}
/** A user; _id is its id. */
export interface UserDoc { _id: string; orgId: string; role: string; displayName: string; createdAt: number }
/** A registered device. */
export interface DeviceDoc {
  userId: string; deviceId: number; identityKey: Buffer; registrationId: number;
  signedPreKey: string; lastResortKyberPreKey: string; createdAt: number;
}
/** A one-time prekey. kind: 'ec' | 'kyber'; key is the JSON of the public prekey. */
export interface PrekeyDoc { userId: string; deviceId: number; kind: string; keyId: number; key: string }
/** A single-use code; _id is the code id (the server never sees the code's secret). */
export interface CodeDoc { _id: string; kind: string; userId: string; detail: string; createdAt: number; expiresAt: number }
/** The use of a code: inserting it under the code id as _id is the single-use claim. */
export interface CodeUseDoc { _id: string; usedAt: number; expiresAt: number }
/** A login challenge; _id is its id. */
export interface ChallengeDoc {
  _id: string; userId: string; deviceId: number; nonce: Buffer; createdAt: number; expiresAt: number;
}
/** A session; _id is SHA-256 (hex) of the bearer token. */
export interface SessionDoc { _id: string; userId: string; deviceId: number; createdAt: number; expiresAt: number }
/** A workspace; _id is its id. */
export interface WorkspaceDoc { _id: string; kind: string; createdAt: number; lastActivityAt: number }
/** One membership chain event; `event` is its JSON text (kept verbatim, empty payloads included). */
export interface MembershipEventDoc { workspaceId: string; seq: number; hash: string; event: string }
/** The materialised view of one workspace (_id): member JSON plus query arrays. */
export interface MembershipViewDoc {
  _id: string; asOfSeq: number; members: string; userIds: string[]; deviceKeys: string[];
}
/** One pairwise message waiting for its recipient device. */
export interface MailboxDoc {
  toUser: string; toDevice: number; fromUser: string; fromDevice: number; kind: string; body: string; createdAt: number;
}
/** A per-workspace sequence counter; _id is the workspace id. */
export interface CounterDoc { _id: string; last: number }
/**
 * The serialisation point of a stream: active snapshot, a version bumped by every accepted
 * envelope or snapshot, the last clock per author (escaped keys, never reset) and the last
 * clock per author among envelopes on the active snapshot (reset when a snapshot wins).
 */
export interface StreamDoc {
  workspaceId: string; stream: string; active: string; version: number;
  clocks: Record<string, number>; pending: Record<string, number>;
}
/** A stored update/chat envelope. */
export interface EnvelopeDoc {
  workspaceId: string; seq: number; stream: string; kind: string; authorKey: string; clock: number;
  snapshotId: string; epoch: number; bytes: Buffer; receivedAt: number;
}
/** A snapshot (accepted, or a candidate while its compare-and-set runs). */
export interface SnapshotDoc {
  workspaceId: string; stream: string; snapshotId: string; parentSnapshotId: string; seq: number;
  authorKey: string; epoch: number; coveredClocks: string; bytes: Buffer; receivedAt: number;
  /** false while the compare-and-set is in flight (or was cut off by a crash) */
  accepted: boolean;
}
/** A blob's metadata; _id is its id. */
export interface BlobDoc {
  _id: string; workspaceId: string; size: number; sha256: string; createdAt: number; complete: boolean;
  /** the uploading user; '' for blobs stored before quotas */
  uploadedBy?: string;
  /** when a member confirmed a reference; absent: unconfirmed (blobs stored before quotas have createdAt) */
  confirmedAt?: number | null;
}
/** Chunk `n` of a blob. */
export interface BlobChunkDoc { blobId: string; n: number; data: Buffer }
/** An audit entry; _id is its seq. */
export interface AuditDoc {
  _id: number; at: number; actorUser?: string; actorDevice?: number; action: string; workspaceId?: string;
  detail: string; prevHash: string; hash: string;
}

const opts = { versionKey: false, minimize: false, autoIndex: false, autoCreate: false } as const;
const req = <T>(type: T) => ({ type, required: true }) as const;

function orgSchema() {
  return new Schema<OrgDoc>(
    { _id: String, name: req(String), createdAt: req(Number), certificate: String, certificateNotBefore: Number }, opts);
}
function rootSchema() {
  return new Schema<RootDoc>({ _id: String, key: req(Buffer), setAt: req(Number) }, opts);
}
function certificateSchema() {
  const s = new Schema<CertificateDoc>({
    _id: String, type: req(String), userId: String, orgId: String, deviceId: Number, json: req(String), storedAt: req(Number),
  }, opts);
  s.index({ userId: 1, storedAt: 1 });
  s.index({ orgId: 1, type: 1, storedAt: 1 });
  return s;
}
function logLeafSchema() {
  return new Schema<LogLeafDoc>({ _id: Number, certificateId: req(String), leafHash: req(Buffer) }, opts)
    .index({ certificateId: 1 }, { unique: true });
}
function logCertificateSchema() {
  return new Schema<LogCertificateDoc>({ _id: String, json: req(String), storedAt: req(Number) }, opts);
}
function enrolmentSchema() {
  const s = new Schema<EnrolmentDoc>({
    _id: String, kind: req(String), userId: req(String), orgId: req(String), deviceId: req(Number), identityKey: req(Buffer),
    keyHash: req(String), registrationId: req(Number), userKey: Buffer, deviceCertificate: String, proof: req(String),
    enrolledAt: req(Number), issuedByUser: String, issuedByDevice: Number, workspaceId: String, closedAt: Number,
  }, opts);
  s.index({ userId: 1, enrolledAt: 1 });
  s.index({ orgId: 1, kind: 1, enrolledAt: 1 });
  s.index({ userId: 1, deviceId: 1, keyHash: 1 });
  return s;
}
function userSchema() {
  const s = new Schema<UserDoc>(
    { _id: String, orgId: req(String), role: req(String), displayName: req(String), createdAt: req(Number) }, opts);
  s.index({ orgId: 1, createdAt: 1 });
  return s;
}
function deviceSchema() {
  const s = new Schema<DeviceDoc>({
    userId: req(String), deviceId: req(Number), identityKey: req(Buffer),
    registrationId: req(Number), signedPreKey: req(String), lastResortKyberPreKey: req(String), createdAt: req(Number),
  }, opts);
  s.index({ userId: 1, deviceId: 1 }, { unique: true });
  return s;
}
function prekeySchema() {
  const s = new Schema<PrekeyDoc>(
    { userId: req(String), deviceId: req(Number), kind: req(String), keyId: req(Number), key: req(String) }, opts);
  s.index({ userId: 1, deviceId: 1, kind: 1, keyId: 1 }, { unique: true });
  return s;
}
function codeSchema() {
  return new Schema<CodeDoc>({
    _id: String, kind: req(String), userId: req(String), detail: req(String), createdAt: req(Number),
    expiresAt: req(Number),
  }, opts).index({ expiresAt: 1 });
}
function codeUseSchema() {
  return new Schema<CodeUseDoc>({ _id: String, usedAt: req(Number), expiresAt: req(Number) }, opts).index({ expiresAt: 1 });
}
function challengeSchema() {
  return new Schema<ChallengeDoc>({
    _id: String, userId: req(String), deviceId: req(Number), nonce: req(Buffer), createdAt: req(Number), expiresAt: req(Number),
  }, opts).index({ expiresAt: 1 });
}
function sessionSchema() {
  const s = new Schema<SessionDoc>(
    { _id: String, userId: req(String), deviceId: req(Number), createdAt: req(Number), expiresAt: req(Number) }, opts);
  s.index({ userId: 1, deviceId: 1 });
  s.index({ expiresAt: 1 });
  return s;
}
function workspaceSchema() {
  return new Schema<WorkspaceDoc>(
    { _id: String, kind: req(String), createdAt: req(Number), lastActivityAt: req(Number) }, opts);
}
function membershipEventSchema() {
  return new Schema<MembershipEventDoc>(
    { workspaceId: req(String), seq: req(Number), hash: req(String), event: req(String) }, opts,
  ).index({ workspaceId: 1, seq: 1 }, { unique: true });
}
function membershipViewSchema() {
  const s = new Schema<MembershipViewDoc>(
    { _id: String, asOfSeq: req(Number), members: req(String), userIds: [String], deviceKeys: [String] }, opts);
  s.index({ userIds: 1 });
  s.index({ deviceKeys: 1 });
  return s;
}
function mailboxSchema() {
  return new Schema<MailboxDoc>({
    toUser: req(String), toDevice: req(Number), fromUser: req(String), fromDevice: req(Number), kind: req(String),
    body: req(String), createdAt: req(Number),
  }, opts).index({ toUser: 1, toDevice: 1, createdAt: 1, _id: 1 });
}
function counterSchema() {
  return new Schema<CounterDoc>({ _id: String, last: req(Number) }, opts);
}
function streamSchema() {
  return new Schema<StreamDoc>({
    workspaceId: req(String), stream: req(String), active: { type: String, default: '' }, version: req(Number),
    clocks: { type: Schema.Types.Mixed, default: {} }, pending: { type: Schema.Types.Mixed, default: {} },
  }, opts).index({ workspaceId: 1, stream: 1 }, { unique: true });
}
function envelopeSchema() {
  const s = new Schema<EnvelopeDoc>({
    workspaceId: req(String), seq: req(Number), stream: req(String), kind: req(String), authorKey: req(String),
    clock: req(Number), snapshotId: { type: String, default: '' }, epoch: req(Number), bytes: req(Buffer),
    receivedAt: req(Number),
  }, opts);
  s.index({ workspaceId: 1, stream: 1, authorKey: 1, clock: 1 }, { unique: true });
  s.index({ workspaceId: 1, stream: 1, seq: 1 });
  s.index({ workspaceId: 1, stream: 1, snapshotId: 1, seq: 1 });
  return s;
}
function snapshotSchema() {
  const s = new Schema<SnapshotDoc>({
    workspaceId: req(String), stream: req(String), snapshotId: req(String), parentSnapshotId: { type: String, default: '' },
    seq: req(Number), authorKey: req(String), epoch: req(Number), coveredClocks: req(String), bytes: req(Buffer),
    receivedAt: req(Number), accepted: req(Boolean),
  }, opts);
  s.index({ workspaceId: 1, stream: 1, snapshotId: 1 }, { unique: true });
  s.index({ workspaceId: 1, stream: 1, seq: 1 });
  return s;
}
function blobSchema() {
  return new Schema<BlobDoc>({
    _id: String, workspaceId: req(String), size: req(Number), sha256: { type: String, default: '' },
    createdAt: req(Number), complete: req(Boolean), uploadedBy: { type: String, default: '' }, confirmedAt: { type: Number, default: null },
  }, opts)
    .index({ complete: 1, createdAt: 1 })
    .index({ workspaceId: 1, complete: 1 })
    .index({ uploadedBy: 1, complete: 1 })
    .index({ confirmedAt: 1, createdAt: 1 });
}
function blobChunkSchema() {
  return new Schema<BlobChunkDoc>({ blobId: req(String), n: req(Number), data: req(Buffer) }, opts)
    .index({ blobId: 1, n: 1 }, { unique: true });
}
function auditSchema() {
  const s = new Schema<AuditDoc>({
    _id: Number, at: req(Number), actorUser: String, actorDevice: Number, action: req(String), workspaceId: String,
    detail: req(String), prevHash: req(String), hash: req(String),
  }, opts);
  s.index({ workspaceId: 1, _id: 1 });
  s.index({ actorUser: 1, actorDevice: 1, _id: 1 });
  s.index({ at: 1 });
  return s;
}

function registerModels(conn: Connection) {
  return {
    orgs: conn.model('Org', orgSchema(), 'orgs'),
    roots: conn.model('Root', rootSchema(), 'roots'),
    certificates: conn.model('Certificate', certificateSchema(), 'certificates'),
    logLeaves: conn.model('LogLeaf', logLeafSchema(), 'log_leaves'),
    logCertificates: conn.model('LogCertificate', logCertificateSchema(), 'log_certificates'),
    enrolments: conn.model('Enrolment', enrolmentSchema(), 'enrolments'),
    users: conn.model('User', userSchema(), 'users'),
    devices: conn.model('Device', deviceSchema(), 'devices'),
    prekeys: conn.model('Prekey', prekeySchema(), 'prekeys'),
    codes: conn.model('Code', codeSchema(), 'codes'),
    codeUses: conn.model('CodeUse', codeUseSchema(), 'code_uses'),
    challenges: conn.model('Challenge', challengeSchema(), 'challenges'),
    sessions: conn.model('Session', sessionSchema(), 'sessions'),
    workspaces: conn.model('Workspace', workspaceSchema(), 'workspaces'),
    membershipEvents: conn.model('MembershipEvent', membershipEventSchema(), 'membership_events'),
    membershipViews: conn.model('MembershipView', membershipViewSchema(), 'membership_views'),
    mailbox: conn.model('MailboxItem', mailboxSchema(), 'mailbox'),
    counters: conn.model('Counter', counterSchema(), 'counters'),
    streams: conn.model('Stream', streamSchema(), 'streams'),
    envelopes: conn.model('Envelope', envelopeSchema(), 'envelopes'),
    snapshots: conn.model('Snapshot', snapshotSchema(), 'snapshots'),
    blobs: conn.model('Blob', blobSchema(), 'blobs'),
    blobChunks: conn.model('BlobChunk', blobChunkSchema(), 'blob_chunks'),
    audit: conn.model('AuditEntry', auditSchema(), 'audit'),
  };
}

/** The adapter's models, bound to one connection. */
export type MongoModels = ReturnType<typeof registerModels>;

/** Register every model on `conn` and create their collections and indexes. */
export async function defineModels(conn: Connection): Promise<MongoModels> {
  const models = registerModels(conn);
  // Indexes first, before any write: the unique ones are part of the rules.
  for (const model of Object.values(models) as unknown as Model<unknown>[]) {
    await model.createCollection().catch((error: unknown) => {
      if (!isNamespaceExists(error)) throw error;
    });
    await model.createIndexes();
  }
  return models;
}

function isNamespaceExists(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 48;
}
