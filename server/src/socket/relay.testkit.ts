/**
 * Test support for the socket tests: the real server (`startServer`: REST and socket.io on
 * one http server) on 127.0.0.1 port 0 with an in-memory sqlite store and captured logs,
 * real certified devices (libsignal identities enrolled with a proof of their code,
 * certified through the admin API and logged in by challenge–response: the shared
 * helper of http/certified.testkit.ts), real membership chains, sealed envelopes, and a
 * socket.io client that speaks the protocol.
 */
import { io } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
import { relayParser } from '@yhteispoyta/crypto/protocol/socket-frames';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { ProfessionalRole } from '@yhteispoyta/crypto/certificates/types';
import { GENESIS_PROOF, nextParentProof, sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { eventHash, signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { envelopesEncoded } from '../testkit/envelope-view.testkit';
import { PROTOCOL_VERSION, SOCKET_PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import type {
  ChainHead,
  DeviceRef,
  EnvelopeHeader,
  EnvelopeKind,
  MemberInfo,
  MembershipEventType,
  MembershipPayloads,
  WireEnvelope,
  WorkspaceKind,
} from '@yhteispoyta/crypto/types';
import { CHAT_STREAM, PLAN_STREAM, PRESENCE_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { startServer } from '../app';
import { loadConfig } from '../config';
import type { ServerContext } from '../context';
import { TEST_ADMIN_TOKEN, chainDevice, enrolCertifiedDevice } from '../http/certified.testkit';
import type { CertifiedDevice, CertTarget } from '../http/certified.testkit';
import { appendMembership, chainStateOf, createWorkspace } from '../services/membership';
import { newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';

/** A running test server. */
export interface TestServer {
  readonly url: string;
  readonly ctx: ServerContext;
  /** every log line written so far */
  readonly logLines: string[];
  /** the clock `ctx.now()` reads: real time plus this offset, so tests can move time on */
  clockOffsetMs: number;
  close(): Promise<void>;
}

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  readonly ratePerDevicePerMinute?: number;
  /** a sqlite file (default: in memory), for tests that open it a second time */
  readonly sqlitePath?: string;
}

/**
 * Starts the real server (`startServer`): sqlite in memory (or `sqlitePath`), logs captured at debug level,
 * the admin API on (TEST_ADMIN_TOKEN) so devices can be certified.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    SQLITE_PATH: options.sqlitePath ?? ':memory:',
    LOG_LEVEL: 'debug',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...(options.ratePerDevicePerMinute === undefined ? {} : { RATE_PER_DEVICE_PER_MINUTE: String(options.ratePerDevicePerMinute) }),
  });
  const logLines: string[] = [];
  const clock = { clockOffsetMs: 0 };
  const running = await startServer({
    config,
    logDestination: { write: (line: string) => void logLines.push(line) },
    now: () => Date.now() + clock.clockOffsetMs,
  });
  return Object.assign(clock, { url: running.url, ctx: running.ctx, logLines, close: running.close });
}

/** A certified, logged-in device of a professional of his own organisation, with its member info. */
export interface TestDevice extends CertifiedDevice {
  /** the member info of the device's user, naming this device (owner: false) */
  readonly member: MemberInfo;
}

/**
 * A new professional in a new organisation with one certified device, logged in: the
 * shared helper `enrolCertifiedDevice` (root, organisation, code id, enrolment with a real
 * proof, user and device certificates through the admin API).
 */
export async function enrolDevice(server: CertTarget, role: ProfessionalRole = 'social_worker'): Promise<TestDevice> {
  const device = await enrolCertifiedDevice(server, { role });
  const member: MemberInfo = { userId: device.ref.userId, orgId: device.orgId, role: device.role, owner: false, devices: [chainDevice(device)] };
  return Object.assign(device, { member });
}

let workspaceCounter = 0;

/** The chain head of each workspace the testkit wrote, for the headers {@link seal} makes (docs/design.md §12). */
const chainHeads = new Map<string, ChainHead>();

/** Signs and appends the next membership event of a workspace, authored by `author`. */
export async function appendEvent<T extends MembershipEventType>(
  server: { readonly ctx: ServerContext },
  author: TestDevice,
  workspaceId: string,
  type: T,
  payload: MembershipPayloads[T],
): Promise<number> {
  const state = await chainStateOf(server.ctx, workspaceId);
  if (state === null) throw new Error(`no workspace ${workspaceId}`);
  const unsigned = { workspaceId, seq: state.seq + 1, prevHash: state.headHash, type, payload, author: author.ref, at: server.ctx.now() };
  const event = signEvent(unsigned as UnsignedMembershipEvent, author.identity.identityKeyPair.privateKey);
  const seq = (await appendMembership(server.ctx, author.ref, workspaceId, event)).seq;
  chainHeads.set(workspaceId, { seq, hash: eventHash(event) });
  return seq;
}

/** Creates a consultation workspace owned by `owner` with the other devices' users as members. */
export async function createTestWorkspace(server: { readonly ctx: ServerContext }, owner: TestDevice, ...members: TestDevice[]): Promise<string> {
  return createTestWorkspaceOfKind(server, 'consultation', owner, ...members);
}

/** Creates a workspace of `kind` owned by `owner` with the other devices' users as members. */
export async function createTestWorkspaceOfKind(server: { readonly ctx: ServerContext }, kind: WorkspaceKind, owner: TestDevice, ...members: TestDevice[]): Promise<string> {
  workspaceCounter += 1;
  const workspaceId = `ws${workspaceCounter}`;
  const create = signEvent<'create'>(
    {
      workspaceId,
      seq: 0,
      prevHash: '0'.repeat(64),
      type: 'create',
      payload: { kind, labelCommitment: textCommitment('label', `Workspace ${workspaceCounter}`, newTextSalt()), creator: { ...owner.member, owner: true } },
      author: owner.ref,
      at: server.ctx.now(),
    },
    owner.identity.identityKeyPair.privateKey,
  );
  await createWorkspace(server.ctx, owner.ref, create);
  chainHeads.set(workspaceId, { seq: 0, hash: eventHash(create) });
  for (const member of members) await appendEvent(server, owner, workspaceId, 'add_member', { member: member.member });
  return workspaceId;
}

/** What varies between the envelopes of a test; the rest has workable defaults. */
export interface EnvelopeSpec {
  readonly workspaceId: string;
  readonly kind?: EnvelopeKind;
  readonly stream?: string;
  readonly epoch?: number;
  readonly clock?: number;
  readonly snapshotId?: string;
  readonly parentSnapshotId?: string;
  readonly parentProof?: Bytes;
  readonly coveredClocks?: Record<string, number>;
  /** the header's author; defaults to the signer */
  readonly author?: DeviceRef;
  readonly plaintext?: Uint8Array;
  /** the chain head the header names; defaults to the last one this testkit wrote */
  readonly chainHead?: ChainHead;
}

/** The stream a kind travels on by default. */
function defaultStream(kind: EnvelopeKind): string {
  if (kind === 'chat') return CHAT_STREAM;
  if (kind === 'presence') return PRESENCE_STREAM;
  return PLAN_STREAM;
}

/** Seals an envelope signed by `signer` (the epoch key is random: the server never sees it). */
export function seal(signer: TestDevice, spec: EnvelopeSpec): WireEnvelope {
  const kind = spec.kind ?? 'update';
  const snapshotFields =
    kind === 'snapshot'
      ? {
          parentSnapshotId: spec.parentSnapshotId ?? '',
          parentProof: spec.parentProof ?? GENESIS_PROOF,
          coveredClocks: spec.coveredClocks ?? {},
        }
      : {};
  const header: EnvelopeHeader = {
    v: PROTOCOL_VERSION,
    workspaceId: spec.workspaceId,
    stream: spec.stream ?? defaultStream(kind),
    kind,
    epoch: spec.epoch ?? 1,
    author: spec.author ?? signer.ref,
    clock: spec.clock ?? (kind === 'snapshot' ? 0 : 1),
    snapshotId: spec.snapshotId ?? '',
    sentAt: Date.now(),
    chainHead: spec.chainHead ?? chainHeads.get(spec.workspaceId) ?? { seq: 0, hash: '0'.repeat(64) },
    ...snapshotFields,
  };
  return sealEnvelope({
    header,
    plaintext: spec.plaintext ?? randomBytes(32),
    epochKey: randomBytes(32),
    identityKey: signer.identity.identityKeyPair.privateKey,
  });
}

/** The parentProof of a snapshot extending the given snapshot envelope. */
export function proofAfter(parent: WireEnvelope, parentProof: Bytes = GENESIS_PROOF): Bytes {
  return nextParentProof(parentProof, parent.ciphertext);
}


/** Connects a socket.io client with the device's token; rejects with the connect error. */
export async function connect(server: TestServer, auth: unknown): Promise<ClientSocket> {
  const socket = io(server.url, {
    auth: auth as Record<string, unknown>,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    parser: relayParser,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
  return socket;
}

/** Connects as a device with its own session token. */
export async function connectAs(server: TestServer, device: TestDevice): Promise<ClientSocket> {
  return connect(server, { token: device.token, v: SOCKET_PROTOCOL_VERSION });
}

/**
 * Emits an event with any payload (hostile ones included) and resolves with the raw ack.
 * A WireEnvelope object under an `envelope` key goes encoded, as the protocol carries it
 * (envelope-view.testkit.ts); anything else goes as given.
 */
export async function request(socket: ClientSocket, event: string, payload: unknown): Promise<unknown> {
  return socket.timeout(10_000).emitWithAck(event, envelopesEncoded(payload));
}

/** Resolves with the next payload of `event` on the socket, or rejects after `ms`. */
export async function nextEvent(socket: ClientSocket, event: string, ms = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const listener = (payload: unknown): void => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, listener);
  });
}

/** Collects every payload of `event` the socket receives from now on. */
export function collect(socket: ClientSocket, event: string): unknown[] {
  const seen: unknown[] = [];
  socket.on(event, (payload: unknown) => void seen.push(payload));
  return seen;
}

/**
 * A round trip through the server on `socket`: once it is answered, everything the
 * server emitted to this socket before it has arrived too.
 */
export async function settle(socket: ClientSocket, workspaceId: string): Promise<void> {
  await request(socket, 'fetch', { workspaceId, stream: 'chat', afterSeq: 0, limit: 1 });
}
