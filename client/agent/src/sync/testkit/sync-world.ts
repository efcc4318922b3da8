/**
 * Test support: several agents (real libsignal identities, real SQLCipher profiles, real
 * sync engines) on the real server in-process (server/src/testkit: the relay core, its
 * clock, coverage and snapshot rules and the store on sqlite :memory:), each device
 * certified the real way, sharing a workspace whose signed membership chain the server
 * accepted. Each agent's KeyRing holds that chain as crypto's replayChain verifies it,
 * and the epoch keys the test hands out (the keys module is tested in keys/).
 *
 * A hostile or forgetful server is played with the in-process server's own means:
 * `hidden` (seqs that join and fetch answers leave out, as a server that lost them),
 * `intercept` (the test's interceptor over requests, acks, notices and REST answers),
 * `server.inject` (a replayed or forged notice), `server.sql` (the operator's hand on the
 * store) and {@link SyncWorld.rewriteBlob}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdentityKeyPair } from '@signalapp/libsignal-client';
import { concatBytes, randomBytes, sha256, toHex } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { decodeWireEnvelope } from '@yhteispoyta/crypto/envelope';
import { decodeHeader } from '@yhteispoyta/crypto/header';
import { replayChain } from '@yhteispoyta/crypto/membership';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { ackFailureSchema, BLOB_CHUNK_BYTES } from '@yhteispoyta/crypto/protocol';
import type { ErrorCode, StoredEnvelope } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { ChainHead, DeviceRef, EnvelopeKind, MemberInfo, MembershipEventType, MembershipPayloads } from '@yhteispoyta/crypto/types';
import { chainDevice } from '@yhteispoyta/server/http/certified.testkit';
import { startInProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { CertifiedDevice, InProcessLink, InProcessServer, Interceptor, Traffic, Verdict } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { LocalDevice, NewProblem } from '../../contracts';
import { createProfile, openProfile } from '../../profile/profile-db';
import type { ProfileDb } from '../../profile/profile-db';
import { startSync } from '../../start-sync';
import type { SyncServices } from '../../start-sync';
import type { SyncConfig } from '../sync-options';
import { FakeKeyRing } from './fake-key-ring';

/** Fast settings for tests: a short merge window, no snapshot jitter. */
const TEST_SYNC_CONFIG: Partial<SyncConfig> = { mergeWindowMs: 5, compactionJitterMs: 0, gapFetchIntervalMs: 0 };

const PASSPHRASE = 'testi-salasana';

/** One agent of the world. */
export interface WorldAgent {
  readonly name: string;
  readonly ref: DeviceRef;
  /** the device as the server certified it (its identity, organisation, role) */
  readonly certified: CertifiedDevice;
  readonly keyPair: IdentityKeyPair;
  readonly device: LocalDevice;
  readonly keys: FakeKeyRing;
  readonly link: InProcessLink;
  readonly problems: NewProblem[];
  profile: ProfileDb;
  sync: SyncServices;
}

/** One stored envelope or snapshot of the server's store, with the header fields tests look at. */
export interface RelayRecord {
  readonly seq: number;
  readonly stream: string;
  readonly kind: EnvelopeKind;
  /** `userId.deviceId` of the author */
  readonly authorKey: string;
  readonly clock: number;
  /** update/chat: the snapshot it builds on; snapshot: its own id */
  readonly snapshotId: string;
  readonly parentSnapshotId: string;
  /** as join and fetch hand it out */
  readonly stored: StoredEnvelope;
}

/** Options of {@link SyncWorld.create}. */
export interface WorldOptions {
  readonly config?: Partial<SyncConfig>;
  /** names of agents that exist (certified, keys trusted) but are not members */
  readonly outsiders?: readonly string[];
  /** the server's further environment (startInProcessServer's `env`), e.g. quotas */
  readonly serverEnv?: Readonly<Record<string, string>>;
  /** every agent's clock (ms since the epoch); a test may move it */
  readonly now?: () => number;
}

/** Whether a piece of traffic is this agent's (its request or ack, a notice to it, its REST answer). */
export function isOf(traffic: Traffic, agent: WorldAgent): boolean {
  return traffic.device !== undefined && deviceKey(traffic.device) === deviceKey(agent.ref);
}

/** A join or fetch ack without the envelopes of `hidden` seqs. */
function withhold(ack: unknown, hidden: ReadonlySet<number>): Verdict {
  const visible = (envelopes: readonly StoredEnvelope[]) => envelopes.filter((e) => !hidden.has(e.seq));
  const value = ack as { ok: boolean; envelopes?: StoredEnvelope[]; streams?: Record<string, { snapshot: unknown; envelopes: StoredEnvelope[] }> };
  if (!value.ok) return 'pass';
  if (value.envelopes !== undefined) return { replace: { ...value, envelopes: visible(value.envelopes) } };
  const streams = Object.fromEntries(Object.entries(value.streams ?? {}).map(([stream, s]) => [stream, { ...s, envelopes: visible(s.envelopes) }]));
  return { replace: { ...value, streams } };
}

/** Agents on one in-process server, sharing one workspace. */
export class SyncWorld {
  readonly server: InProcessServer;
  readonly agents: WorldAgent[] = [];
  readonly epochKeys = new Map<number, Bytes>();
  /** seqs the server leaves out of join and fetch answers (it lost them), for every device */
  readonly hidden = new Set<number>();
  /** every refusal the server's core answered (before the interceptor), in order */
  readonly refusals: { event: string; code: ErrorCode }[] = [];
  /** the test's own interceptor; the world's (`hidden`, `refusals`) runs around it */
  intercept: Interceptor | undefined;
  #workspaceId = '';
  #traffic = 0;
  readonly #dir = mkdtempSync(join(tmpdir(), 'yp-sync-'));
  readonly #config: Partial<SyncConfig>;
  /** every certified device's identity key, by `userId.deviceId` */
  readonly #identities = new Map<string, { readonly ref: DeviceRef; readonly key: Bytes }>();

  readonly #now: (() => number) | undefined;

  private constructor(server: InProcessServer, config: Partial<SyncConfig>, now?: () => number) {
    this.#now = now;
    this.server = server;
    this.#config = config;
    server.intercept = (traffic) => this.#intercept(traffic);
  }

  /** A world whose first agent creates the workspace with the other members in it; each member holds the epoch 1 key. */
  static async create(members: readonly string[], options: WorldOptions = {}): Promise<SyncWorld> {
    const world = new SyncWorld(await startInProcessServer(options.serverEnv === undefined ? {} : { env: options.serverEnv }), { ...TEST_SYNC_CONFIG, ...options.config }, options.now);
    world.epochKeys.set(1, randomBytes(32));
    const certified = new Map<string, CertifiedDevice>();
    for (const name of [...members, ...(options.outsiders ?? [])]) certified.set(name, await world.#certify(name));
    const [owner, ...rest] = members.map((name) => certified.get(name) as CertifiedDevice);
    if (owner === undefined) throw new Error('a world needs a member');
    world.#workspaceId = await world.server.createWorkspace(owner, rest);
    for (const [name, device] of certified) await world.#start(name, device);
    for (const name of members) world.agent(name).keys.addEpochKey(world.workspaceId, 1, world.epochKey(1));
    return world;
  }

  /** The shared workspace. */
  get workspaceId(): string {
    return this.#workspaceId;
  }

  /** An agent by name. */
  agent(name: string): WorldAgent {
    const found = this.agents.find((a) => a.name === name);
    if (found === undefined) throw new Error(`no agent ${name}`);
    return found;
  }

  /** The key of an epoch. */
  epochKey(epoch: number): Bytes {
    const key = this.epochKeys.get(epoch);
    if (key === undefined) throw new Error(`no key for epoch ${epoch}`);
    return key;
  }

  /** A new certified agent with its own profile and link; every agent trusts its identity. Not a member until added. */
  async addAgent(name: string): Promise<WorldAgent> {
    return this.#start(name, await this.#certify(name));
  }

  /** The member record of an agent, as its certificates name him. */
  memberInfo(agent: WorldAgent): MemberInfo {
    const { certified } = agent;
    return { userId: certified.ref.userId, orgId: certified.orgId, role: certified.role, owner: false, devices: [chainDevice(certified)] };
  }

  /** Sign and append a membership event by `author` at the server; every agent adopts the new chain. */
  async append<T extends MembershipEventType>(author: WorldAgent, type: T, payload: MembershipPayloads[T]): Promise<ChainState> {
    await this.server.appendEvent(author.certified, this.workspaceId, type, payload);
    const state = await this.chain();
    for (const agent of this.agents) agent.keys.setChain(state);
    return state;
  }

  /** The server's chain, replayed and verified by crypto's replayChain. */
  async chain(): Promise<ChainState> {
    const stored = await this.server.ctx.store.workspaces.listMembershipEvents(this.workspaceId, -1);
    const replayed = replayChain(stored.map((s) => s.event), (ref) => this.#identities.get(deviceKey(ref))?.key);
    if (!replayed.ok) throw new Error(`chain: ${replayed.code} ${replayed.detail}`);
    return replayed.state;
  }

  /** The server's chain head, as an honest member names it in the headers it seals. */
  async chainHead(): Promise<ChainHead> {
    const state = await this.chain();
    return { seq: state.seq, hash: state.headHash };
  }

  /** Everything the server stores in a stream (every stream when none is named), snapshots included, in seq order. */
  async records(stream?: string): Promise<RelayRecord[]> {
    const ws = this.workspaceId;
    const streams = stream !== undefined
      ? [stream]
      : this.server.sql('SELECT stream FROM envelopes WHERE workspace_id = ? UNION SELECT stream FROM snapshots WHERE workspace_id = ?', ws, ws).map((row) => String(row['stream']));
    const { envelopes } = this.server.ctx.store;
    const stored: { seq: number; bytes: Uint8Array; receivedAt: number }[] = [];
    for (const s of streams) {
      stored.push(...(await envelopes.envelopesAfter(ws, s, 0, 1_000_000)));
      for (const info of await envelopes.listSnapshots(ws, s)) {
        const snapshot = await envelopes.getSnapshot(ws, s, info.snapshotId);
        if (snapshot !== null) stored.push(snapshot);
      }
    }
    return stored.sort((a, b) => a.seq - b.seq).map((record) => {
      const wire = decodeWireEnvelope(record.bytes);
      if (!wire.ok) throw new Error(`stored ${record.seq} does not decode`);
      const header = decodeHeader(wire.envelope.header);
      if (!header.ok) throw new Error(`stored ${record.seq}: header does not decode`);
      const h = header.header;
      return {
        seq: record.seq, stream: h.stream, kind: h.kind, authorKey: deviceKey(h.author), clock: h.clock, snapshotId: h.snapshotId,
        parentSnapshotId: h.parentSnapshotId ?? '', stored: { seq: record.seq, envelope: wire.envelope, receivedAt: record.receivedAt },
      };
    });
  }

  /** The active snapshot id of a stream ('' for none). */
  async activeSnapshot(stream: string): Promise<string> {
    return (await this.server.ctx.store.envelopes.latestState(this.workspaceId, stream)).snapshot?.snapshotId ?? '';
  }

  /** The bytes of a stored blob of the workspace. */
  async blob(blobId: string): Promise<Bytes | undefined> {
    const reader = await this.server.ctx.store.blobs.getBlob(this.workspaceId, blobId);
    if (reader === null) return undefined;
    const chunks: Uint8Array[] = [];
    for await (const chunk of reader.chunks) chunks.push(chunk);
    return concatBytes(...chunks);
  }

  /** The operator replaces a stored blob's bytes (and its recorded size) behind the server's back. */
  rewriteBlob(blobId: string, bytes: Uint8Array): void {
    this.server.sql('DELETE FROM blob_chunks WHERE blob_id = ?', blobId);
    for (let n = 0; n * BLOB_CHUNK_BYTES < bytes.byteLength; n++) {
      this.server.sql('INSERT INTO blob_chunks (blob_id, n, data) VALUES (?, ?, ?)', blobId, n, bytes.slice(n * BLOB_CHUNK_BYTES, (n + 1) * BLOB_CHUNK_BYTES));
    }
    this.server.sql('UPDATE blobs SET size = ?, sha256 = ? WHERE id = ?', bytes.byteLength, toHex(sha256(bytes)), blobId);
  }

  /** Flush every agent and let requests and deliveries settle, until nothing moves. */
  async settle(): Promise<void> {
    let quietRounds = 0;
    for (let round = 0; round < 100 && quietRounds < 2; round++) {
      await Promise.all(this.agents.map((a) => a.sync.documents.flush()));
      await this.server.settle();
      await new Promise((resolve) => setTimeout(resolve, 1));
      const busy = this.agents.some((a) => a.link.status() === 'online' && a.sync.documents.status().pending > 0);
      const before = this.#traffic;
      await new Promise((resolve) => setImmediate(resolve));
      await this.server.settle();
      quietRounds = !busy && this.#traffic === before ? quietRounds + 1 : 0;
    }
  }

  /** Close an agent's sync engine and profile, then reopen both (a restart of the agent). */
  async restart(agent: WorldAgent): Promise<void> {
    await agent.sync.close();
    agent.profile.close();
    const opened = await openProfile(this.#dir, agent.name, PASSPHRASE);
    if (!opened.ok) throw new Error(`reopen ${agent.name}: ${opened.error}`);
    agent.profile = opened.profile;
    agent.sync = this.#startSync(agent);
  }

  /** Close every agent and the server, and remove the profiles. */
  async close(): Promise<void> {
    for (const agent of this.agents) {
      await agent.sync.close();
      agent.profile.close();
    }
    await this.server.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** The world's interceptor: counts traffic (settle), records refusals, runs the test's, then withholds `hidden`. */
  #intercept(traffic: Traffic): Verdict | undefined {
    this.#traffic += 1;
    if (traffic.kind === 'ack') {
      const failure = ackFailureSchema.safeParse(traffic.ack);
      if (failure.success) this.refusals.push({ event: traffic.event, code: failure.data.error.code });
    }
    const verdict = this.intercept?.(traffic);
    if (verdict !== undefined && verdict !== 'pass') return verdict;
    if (this.hidden.size > 0 && traffic.kind === 'ack' && (traffic.event === 'join' || traffic.event === 'fetch')) return withhold(traffic.ack, this.hidden);
    return verdict;
  }

  /** A professional of his own organisation, certified by the server's test deployment. */
  async #certify(name: string): Promise<CertifiedDevice> {
    const certified = await this.server.enrolDevice({ orgId: `org-${name}`, role: 'social_worker', displayName: `Agent ${name}` });
    this.#identities.set(deviceKey(certified.ref), { ref: certified.ref, key: certified.identity.identityKeyPair.publicKey.serialize() });
    return certified;
  }

  async #start(name: string, certified: CertifiedDevice): Promise<WorldAgent> {
    const created = await createProfile(this.#dir, name, PASSPHRASE, { unsafeWeakKdfForTests: true });
    if (!created.ok) throw new Error(`profile ${name}: ${created.error}`);
    const keyPair = certified.identity.identityKeyPair;
    const ref = certified.ref;
    const device: LocalDevice = {
      self: ref, orgId: certified.orgId, role: certified.role, displayName: `Agent ${name}`,
      identityKey: keyPair.privateKey, identityPublicKey: keyPair.publicKey,
    };
    const keys = new FakeKeyRing();
    for (const { ref: known, key } of this.#identities.values()) keys.trust(known, key);
    for (const other of this.agents) other.keys.trust(ref, keyPair.publicKey.serialize());
    if (this.workspaceId !== '') keys.setChain(await this.chain());
    const problems: NewProblem[] = [];
    const parts = { name, ref, certified, keyPair, device, keys, link: this.server.link(certified), problems, profile: created.profile };
    const agent: WorldAgent = { ...parts, sync: this.#startSync(parts) };
    this.agents.push(agent);
    return agent;
  }

  #startSync(agent: Omit<WorldAgent, 'sync'>): SyncServices {
    return startSync({
      link: agent.link,
      keys: agent.keys,
      device: agent.device,
      problems: {
        report: (problem) => void agent.problems.push(problem),
        // A resolved condition leaves the list, as it leaves the UI's.
        resolve: (match) => {
          const same = (p: NewProblem): boolean =>
            p.code === match.code && (match.workspaceId === undefined || p.workspaceId === match.workspaceId) &&
            (match.stream === undefined || p.stream === match.stream) &&
            (match.device === undefined || (p.device !== undefined && deviceKey(p.device) === deviceKey(match.device)));
          const kept = agent.problems.filter((p) => !same(p));
          agent.problems.splice(0, agent.problems.length, ...kept);
        },
      },
      profile: agent.profile,
      config: this.#config,
      ...(this.#now === undefined ? {} : { now: this.#now }),
    });
  }
}
