/**
 * In-memory stand-ins for the session parts, for testing the host and the API without
 * a central server. A FakeWorld plays the server and the other devices: codes to enrol
 * with, workspaces, chat, blobs, and a relay that forwards document updates and
 * presence between the FakeDocumentSyncs of every session started in it.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import * as Y from 'yjs';
import { randomBytes, sha256, toHex } from '@yhteispoyta/crypto/bytes';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import type { DeviceRef, MemberDevice, MemberInfo, Role, WorkspaceKind } from '@yhteispoyta/crypto/types';
import type { SessionContext, SessionFactory, SessionParts } from '../agent';
import { RecordRefusedError } from '../records/record-error';
import { CaseExports } from '../case-export/case-exports';
import type { ExportedEvent } from '../case-export/case-exports';
import type {
  ChainHistory,
  AttachmentRef,
  Certification,
  ChatMessage,
  ChatService,
  DeviceService,
  DocumentSync,
  DocVersion,
  IdentityInfo,
  KeyRing,
  LocalDevice,
  MembershipService,
  RemovalView,
  OwnDevice,
  PendingOwnDevice,
  RecordsService,
  ServerLink,
  SyncStatus,
  TransferProgress,
  WorkspaceInvitation,
  WorkspaceSummary,
} from '../contracts';
import { RestError } from '../contracts';
import { MembershipError } from '../keys/membership-error';
import type { ProfileDb } from '../profile/profile-db';

/** A user a code enrols. */
export interface FakeUser {
  readonly userId: string;
  readonly orgId: string;
  readonly role: Role;
  readonly displayName: string;
}

const id = () => Buffer.from(randomBytes(16)).toString('base64url');

/** The shared state behind every fake session: the "server" and the other devices. */
export class FakeWorld {
  readonly codes = new Map<string, FakeUser>();
  readonly users = new Map<string, FakeUser>();
  readonly orgs = new Map<string, string>();
  readonly workspaces = new Map<string, { kind: WorkspaceKind; label: string; members: MemberInfo[] }>();
  readonly chat = new Map<string, ChatMessage[]>();
  readonly blobs = new Map<string, Uint8Array>();
  /** the relayed state of each document stream, by `workspaceId/stream` */
  readonly docs = new Map<string, Y.Doc>();
  readonly syncs = new Set<FakeDocumentSync>();
  /** every started session's parts, in start order */
  readonly sessions: SessionParts[] = [];
  /** every export the sessions recorded (the audit hook of case-export/case-exports.ts) */
  readonly exports: ExportedEvent[] = [];
  /** `userId/workspaceId` of invitations not yet accepted (by default every workspace is accepted) */
  readonly invitedOnly = new Set<string>();
  #seq = 0;

  /** Register a user in an organisation and return a one-time code that enrols him. */
  issueCode(user: FakeUser, code = fakeCode()): string {
    this.orgs.set(user.orgId, this.orgs.get(user.orgId) ?? `Org ${user.orgId}`);
    this.users.set(user.userId, user);
    this.codes.set(code, user);
    return code;
  }

  nextSeq(): number {
    return ++this.#seq;
  }

  /** A document update from `from`: applied to the relayed state and every other open copy. */
  relayUpdate(from: FakeDocumentSync, workspaceId: string, stream: string, update: Uint8Array): void {
    Y.applyUpdate(this.doc(workspaceId, stream), update, 'remote');
    for (const sync of this.syncs) if (sync !== from) sync.receiveUpdate(workspaceId, stream, update);
  }

  relayPresence(from: FakeDocumentSync, workspaceId: string, stream: string, update: Uint8Array): void {
    for (const sync of this.syncs) if (sync !== from) sync.receivePresence(workspaceId, stream, from.device, update);
  }

  doc(workspaceId: string, stream: string): Y.Doc {
    const key = `${workspaceId}/${stream}`;
    let doc = this.docs.get(key);
    if (doc === undefined) {
      doc = new Y.Doc();
      this.docs.set(key, doc);
    }
    return doc;
  }
}

/** A DocumentSync over the world's relay: local edits go to every other session at once. */
export class FakeDocumentSync implements DocumentSync {
  readonly #docs = new Map<string, Y.Doc>();
  readonly #presence = new Set<(workspaceId: string, stream: string, from: DeviceRef, update: Uint8Array) => void>();
  /** presence this session sent, for assertions */
  readonly sentPresence: { workspaceId: string; stream: string; update: Uint8Array }[] = [];
  flushed = 0;
  closed = false;

  constructor(
    private readonly world: FakeWorld,
    readonly device: DeviceRef,
  ) {
    world.syncs.add(this);
  }

  async open(workspaceId: string, stream: string): Promise<Y.Doc> {
    const key = `${workspaceId}/${stream}`;
    const existing = this.#docs.get(key);
    if (existing !== undefined) return existing;
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(this.world.doc(workspaceId, stream)), 'remote');
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'remote') this.world.relayUpdate(this, workspaceId, stream, update);
    });
    this.#docs.set(key, doc);
    return doc;
  }

  receiveUpdate(workspaceId: string, stream: string, update: Uint8Array): void {
    const doc = this.#docs.get(`${workspaceId}/${stream}`);
    if (doc !== undefined) Y.applyUpdate(doc, update, 'remote');
  }

  receivePresence(workspaceId: string, stream: string, from: DeviceRef, update: Uint8Array): void {
    for (const listener of this.#presence) listener(workspaceId, stream, from, update);
  }

  async versions(): Promise<DocVersion[]> {
    return [];
  }

  lastEditAt(): number {
    return 0;
  }

  async version(): Promise<undefined> {
    return undefined;
  }

  async restoreVersion(): Promise<undefined> {
    return undefined;
  }

  async sendPresence(workspaceId: string, stream: string, update: Uint8Array): Promise<void> {
    this.sentPresence.push({ workspaceId, stream, update });
    this.world.relayPresence(this, workspaceId, stream, update);
  }

  onPresence(listener: (workspaceId: string, stream: string, from: DeviceRef, update: Uint8Array) => void): () => void {
    this.#presence.add(listener);
    return () => this.#presence.delete(listener);
  }

  async stateHash(workspaceId: string, stream: string): Promise<string> {
    return toHex(sha256(Y.encodeStateAsUpdate(await this.open(workspaceId, stream))));
  }

  status(): SyncStatus {
    return { link: 'online', pending: 0, syncing: [] };
  }

  onStatus(): () => void {
    return () => undefined;
  }

  async flush(): Promise<void> {
    this.flushed++;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.world.syncs.delete(this);
  }
}

function fakeLink(): ServerLink {
  const unsupported = async (): Promise<never> => {
    throw new RestError('offline', 'the fake link has no server');
  };
  return {
    rest: { call: unsupported, uploadBlob: unsupported, downloadBlob: unsupported },
    status: () => 'online',
    request: unsupported,
    onNotice: () => () => undefined,
    onOnline: () => () => undefined,
    onOffline: () => () => undefined,
    close: async () => undefined,
  };
}

/** A code in the typed form (`enr_<id>.<secret>.<root fingerprint>`); the fake world only matches it as a string. */
function fakeCode(): string {
  const part = (n: number): string => Buffer.from(randomBytes(n)).toString('base64url');
  return `enr_${part(9)}.${part(16)}.${part(16)}`;
}

/** A chain device entry of the fake world (the key hash is a placeholder: nothing here verifies). */
function fakeDevice(deviceId: number): MemberDevice {
  return { deviceId, keyHash: deviceId.toString(16).padStart(64, '0') };
}

/** This person's devices in the fake world: always certified, one device, nothing pending. */
class FakeDevices implements DeviceService {
  readonly #listeners = new Set<() => void>();
  readonly approved: number[] = [];
  readonly revoked: number[] = [];

  constructor(private readonly me: DeviceRef) {}

  certification(): Certification {
    return { state: 'certified', orgName: 'Fake organisation' };
  }

  async list(): Promise<{ devices: OwnDevice[]; pending: PendingOwnDevice[]; canApprove: boolean }> {
    return { devices: [{ deviceId: this.me.deviceId, current: true, created: 0, revoked: false }], pending: [], canApprove: true };
  }

  async createLinkCode(): Promise<{ code: string; deviceId: number; expiresAt: number }> {
    return { code: `lnk_${'a'.repeat(12)}.${'b'.repeat(22)}.${'c'.repeat(22)}.2`, deviceId: 2, expiresAt: Date.now() + 600_000 };
  }

  async approve(deviceId: number): Promise<void> {
    this.approved.push(deviceId);
  }

  readonly rejected: number[] = [];

  async reject(deviceId: number): Promise<void> {
    this.rejected.push(deviceId);
  }

  async revoke(deviceId: number): Promise<void> {
    this.revoked.push(deviceId);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

class FakeMembership implements MembershipService {
  constructor(
    private readonly world: FakeWorld,
    private readonly me: FakeUser & { deviceId: number },
  ) {}

  #summary(workspaceId: string): WorkspaceSummary {
    const ws = this.world.workspaces.get(workspaceId);
    if (ws === undefined || !ws.members.some((m) => m.userId === this.me.userId)) throw new RestError('not_found', 'no such workspace', 404);
    const members = ws.members.map((m) => ({ ...m, displayName: this.world.users.get(m.userId)?.displayName ?? m.userId, certified: true, uncertifiedDevices: [] }));
    return { workspaceId, kind: ws.kind, label: ws.label, epoch: 1, closed: false, lastActivityAt: 0, members, notices: [] };
  }

  async list(): Promise<WorkspaceSummary[]> {
    return [...this.world.workspaces.entries()]
      .filter(([, ws]) => ws.members.some((m) => m.userId === this.me.userId))
      .map(([workspaceId]) => this.#summary(workspaceId));
  }

  async removals(): Promise<RemovalView[]> {
    return [];
  }

  async create(kind: WorkspaceKind, label: string): Promise<WorkspaceSummary> {
    const workspaceId = id();
    const { userId, orgId, role, deviceId } = this.me;
    this.world.workspaces.set(workspaceId, { kind, label, members: [{ userId, orgId, role, owner: true, devices: [fakeDevice(deviceId)] }] });
    return this.#summary(workspaceId);
  }

  async addMember(workspaceId: string, userId: string, opts?: { owner?: boolean }): Promise<WorkspaceSummary> {
    const user = this.world.users.get(userId);
    if (user === undefined) throw new RestError('not_found', 'no such user', 404);
    this.#summary(workspaceId);
    this.world.workspaces.get(workspaceId)?.members.push({ userId, orgId: user.orgId, role: user.role, owner: opts?.owner ?? false, devices: [fakeDevice(1)] });
    return this.#summary(workspaceId);
  }

  async inviteClient(workspaceId: string, displayName: string): Promise<{ code: string; userId: string; expiresAt: number }> {
    this.#summary(workspaceId);
    const user: FakeUser = { userId: id(), orgId: this.me.orgId, role: 'client', displayName };
    return { code: this.world.issueCode(user), userId: user.userId, expiresAt: Date.now() + 3600_000 };
  }

  async removeMember(workspaceId: string, userId: string): Promise<WorkspaceSummary> {
    const ws = this.world.workspaces.get(workspaceId);
    if (ws !== undefined) ws.members = ws.members.filter((m) => m.userId !== userId);
    return this.#summary(workspaceId);
  }

  async removeDevice(workspaceId: string, device: DeviceRef): Promise<WorkspaceSummary> {
    const ws = this.world.workspaces.get(workspaceId);
    if (ws !== undefined) {
      ws.members = ws.members.map((m) => (m.userId === device.userId ? { ...m, devices: m.devices.filter((d) => d.deviceId !== device.deviceId) } : m));
    }
    return this.#summary(workspaceId);
  }

  async grantConsent(workspaceId: string): Promise<WorkspaceSummary> {
    if (this.me.role !== 'client') throw new RestError('forbidden', 'only the client grants consent', 403);
    return this.#summary(workspaceId);
  }

  async revokeConsent(workspaceId: string, orgIds: string[]): Promise<WorkspaceSummary> {
    if (this.me.role !== 'client') throw new RestError('forbidden', 'only the client revokes consent', 403);
    const ws = this.world.workspaces.get(workspaceId);
    if (ws !== undefined) ws.members = ws.members.filter((m) => !orgIds.includes(m.orgId));
    return this.#summary(workspaceId);
  }

  async recordBasis(workspaceId: string): Promise<WorkspaceSummary> {
    throw new RestError('forbidden', `the fake world records no statutory basis in ${workspaceId}`, 403);
  }

  async directory(): Promise<{ orgs: { orgId: string; name: string }[] }> {
    return { orgs: [...this.world.orgs.entries()].map(([orgId, name]) => ({ orgId, name })) };
  }

  async orgUsers(orgId: string, query: string): Promise<{ userId: string; displayName: string; role: Role; orgId: string }[]> {
    const needle = query.toLocaleLowerCase('fi');
    return [...this.world.users.values()].filter((u) => u.orgId === orgId && u.displayName.toLocaleLowerCase('fi').includes(needle));
  }

  async identities(workspaceId: string): Promise<IdentityInfo[]> {
    return this.#summary(workspaceId)
      .members.filter((m) => m.userId !== this.me.userId)
      .map((m) => ({
        userId: m.userId, kind: m.role === 'client' ? ('client' as const) : ('professional' as const), role: m.role,
        safetyNumber: '0'.repeat(60), verified: false, changed: false, devices: m.devices.map((d) => d.deviceId),
      }));
  }

  readonly verified: { userId: string; verified: boolean }[] = [];
  readonly accepted: string[] = [];

  async setVerified(userId: string, verified: boolean): Promise<void> {
    this.verified.push({ userId, verified });
  }

  async acceptIdentityChange(userId: string): Promise<void> {
    this.accepted.push(userId);
  }

  // The chain's history as the fake world knows it: opened at 0 by its first member, who added the others.
  async history(workspaceId: string): Promise<ChainHistory | undefined> {
    const ws = this.world.workspaces.get(workspaceId);
    const creator = ws?.members[0];
    if (ws === undefined || creator === undefined) return undefined;
    const people = new Map(ws.members.map((m) => [m.userId, { userId: m.userId, orgId: m.role === 'client' ? null : m.orgId, role: m.role, displayName: this.world.users.get(m.userId)?.displayName ?? m.userId, orgName: this.world.orgs.get(m.orgId) ?? m.orgId }]));
    const entries = ws.members.map((m, seq) => (seq === 0 ? { seq, at: 0, kind: 'case_opened' as const, by: creator.userId } : { seq, at: seq, kind: 'member_added' as const, by: creator.userId, subject: m.userId }));
    return { openedAt: 0, entries, people };
  }

  // Every workspace is accepted unless the test lists it in world.invitedOnly (the real rule is tested in keys/).
  async invitations(): Promise<WorkspaceInvitation[]> {
    return (await this.list())
      .filter((w) => !this.isAccepted(w.workspaceId))
      .map((w) => ({ workspaceId: w.workspaceId, kind: w.kind, label: w.label, invitedAt: 0, invitedBy: { userId: w.createdBy ?? '', certified: false } }));
  }

  isAccepted(workspaceId: string): boolean {
    return !this.world.invitedOnly.has(`${this.me.userId}/${workspaceId}`);
  }

  async joinWithCode(code: string): Promise<{ workspaceId: string }> {
    throw new MembershipError('code_refused', `the fake world has no invitation ${code.slice(0, 4)}`);
  }

  async acceptInvitation(workspaceId: string): Promise<WorkspaceSummary> {
    this.world.invitedOnly.delete(`${this.me.userId}/${workspaceId}`);
    return this.#summary(workspaceId);
  }

  async declineInvitation(workspaceId: string): Promise<void> {
    this.world.invitedOnly.delete(`${this.me.userId}/${workspaceId}`);
    const ws = this.world.workspaces.get(workspaceId);
    if (ws !== undefined) ws.members = ws.members.filter((m) => m.userId !== this.me.userId);
  }
}

/** The fake world has no records stream: no records, and every action refused as for a non-member (the rules are tested on the real stream). */
class FakeRecords implements RecordsService {
  async list(): Promise<never[]> {
    return [];
  }

  async get(): Promise<undefined> {
    return undefined;
  }

  async send(): Promise<never> {
    throw new RecordRefusedError('not_allowed', 'The fake world keeps no records.');
  }

  attachment(): undefined {
    return undefined;
  }

  onChange(): () => void {
    return () => undefined;
  }
}

class FakeChat implements ChatService {
  readonly #messageListeners = new Set<(workspaceId: string, message: ChatMessage) => void>();
  readonly #progressListeners = new Set<(progress: TransferProgress) => void>();

  constructor(
    private readonly world: FakeWorld,
    private readonly me: DeviceRef,
  ) {}

  async list(workspaceId: string): Promise<ChatMessage[]> {
    return [...(this.world.chat.get(workspaceId) ?? [])];
  }

  async send(workspaceId: string, text: string, attachments: readonly AttachmentRef[] = []): Promise<ChatMessage> {
    const message: ChatMessage = {
      id: id(), workspaceId, author: this.me, text, attachments, sentAt: Date.now(), seq: this.world.nextSeq(),
      deleted: false, verified: true, pending: false,
    };
    this.world.chat.set(workspaceId, [...(this.world.chat.get(workspaceId) ?? []), message]);
    for (const listener of this.#messageListeners) listener(workspaceId, message);
    return message;
  }

  async edit(workspaceId: string, messageId: string, text: string): Promise<void> {
    this.#replace(workspaceId, messageId, (m) => ({ ...m, text, editedAt: Date.now() }));
  }

  async remove(workspaceId: string, messageId: string): Promise<void> {
    this.#replace(workspaceId, messageId, (m) => ({ ...m, text: '', deleted: true }));
  }

  #replace(workspaceId: string, messageId: string, change: (m: ChatMessage) => ChatMessage): void {
    const list = this.world.chat.get(workspaceId) ?? [];
    const index = list.findIndex((m) => m.id === messageId);
    const found = list[index];
    if (found === undefined) throw new RestError('not_found', 'no such message', 404);
    list[index] = change(found);
  }

  onMessage(listener: (workspaceId: string, message: ChatMessage) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  async uploadAttachment(_workspaceId: string, file: { name: string; type: string; bytes: Uint8Array }, transferId = id()): Promise<AttachmentRef> {
    const blobId = id();
    this.world.blobs.set(blobId, Uint8Array.from(file.bytes));
    for (const listener of this.#progressListeners) {
      listener({ transferId, direction: 'upload', name: file.name, doneBytes: file.bytes.byteLength, totalBytes: file.bytes.byteLength });
    }
    return { blobId, name: file.name, type: file.type, size: file.bytes.byteLength, sha256: toHex(sha256(file.bytes)) };
  }

  async downloadAttachment(_workspaceId: string, ref: AttachmentRef): Promise<Uint8Array> {
    const bytes = this.world.blobs.get(ref.blobId);
    if (bytes === undefined) throw new RestError('not_found', 'no such blob', 404);
    return bytes;
  }

  onProgress(listener: (progress: TransferProgress) => void): () => void {
    this.#progressListeners.add(listener);
    return () => this.#progressListeners.delete(listener);
  }
}

function fakeKeyRing(world: FakeWorld, me: DeviceRef): KeyRing {
  return {
    chainState(workspaceId: string): ChainState | undefined {
      const ws = world.workspaces.get(workspaceId);
      if (ws === undefined || !ws.members.some((m) => m.userId === me.userId)) return undefined;
      return {
        workspaceId, kind: ws.kind, labelCommitment: '0'.repeat(64), seq: ws.members.length - 1, headHash: '0'.repeat(64), epoch: 1, closed: false,
        members: new Map(ws.members.map((m) => [m.userId, m])),
        devices: ws.members.flatMap((m) => m.devices.map((d) => ({ userId: m.userId, deviceId: d.deviceId }))),
        consent: null, consentAnswered: false, bases: new Map(), rotationRequired: false, rotations: [],
      };
    },
    currentEpoch: () => undefined,
    epochKey: () => undefined,
    identityOf: () => undefined,
    onChange: () => () => undefined,
  };
}

/** A SessionFactory over a FakeWorld; enrolment state lives in the profile's settings. */
export function fakeSessionFactory(world: FakeWorld): SessionFactory {
  return {
    isEnrolled: (profile: ProfileDb) => profile.getSetting('fake.user') !== undefined,
    async enrol(profile: ProfileDb, input: { serverUrl: string; code: string }): Promise<void> {
      const user = world.codes.get(input.code);
      if (user === undefined) throw new RestError('not_found', 'unknown or used code', 404);
      world.codes.delete(input.code);
      profile.setSetting('fake.user', JSON.stringify(user));
    },
    async start(profile: ProfileDb, ctx: SessionContext): Promise<SessionParts> {
      const user = JSON.parse(profile.getSetting('fake.user') ?? 'null') as FakeUser;
      const self: DeviceRef = { userId: user.userId, deviceId: 1 };
      const identityKey = PrivateKey.generate();
      const device: LocalDevice = {
        self, orgId: user.orgId, role: user.role, displayName: user.displayName, identityKey, identityPublicKey: identityKey.getPublicKey(),
      };
      const documents = new FakeDocumentSync(world, self);
      const membership = new FakeMembership(world, { ...user, deviceId: 1 });
      const records = new FakeRecords();
      const processing: SessionParts['processing'] = { view: async (workspaceId) => ({ workspaceId, consentHistory: [], bases: [], log: [], truncated: false }) };
      const parts: SessionParts = {
        serverUrl: ctx.config.serverUrl,
        device,
        link: fakeLink(),
        keys: fakeKeyRing(world, self),
        membership,
        devices: new FakeDevices(self),
        documents,
        chat: new FakeChat(world, self),
        records,
        exports: new CaseExports({
          records, documents, membership, processing, selfUserId: self.userId, now: () => Date.now(),
          recordExport: async (event) => {
            world.exports.push(event);
          },
        }),
        processing,
        recordAccess: async () => true,
        close: () => documents.close(),
      };
      world.sessions.push(parts);
      return parts;
    },
  };
}
