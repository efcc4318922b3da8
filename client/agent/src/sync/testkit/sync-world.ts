/**
 * Test support: several agents (real libsignal identities, real SQLCipher profiles, real
 * sync engines) around one {@link FakeRelay}, sharing a workspace whose membership chain is
 * signed and replayed with crypto/'s own functions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { identityKeyHash } from '@yhteispoyta/crypto/certificates/signing';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { eventHash, GENESIS_PREV_HASH, replayChain, signEvent } from '@yhteispoyta/crypto/membership';
import type { ChainState, UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, MemberInfo, MembershipEvent, MembershipEventType, MembershipPayloads } from '@yhteispoyta/crypto/types';
import type { LocalDevice, NewProblem } from '../../contracts';
import { createProfile, openProfile } from '../../profile/profile-db';
import type { ProfileDb } from '../../profile/profile-db';
import { startSync } from '../../start-sync';
import type { SyncServices } from '../../start-sync';
import type { SyncConfig } from '../sync-options';
import { FakeKeyRing } from './fake-key-ring';
import type { FakeLink } from './fake-link';
import { FakeRelay } from './fake-relay';

/** Fast settings for tests: a short merge window, no snapshot jitter. */
const TEST_SYNC_CONFIG: Partial<SyncConfig> = { mergeWindowMs: 5, compactionJitterMs: 0, gapFetchIntervalMs: 0 };

const PASSPHRASE = 'testi-salasana';

/** One agent of the world. */
export interface WorldAgent {
  readonly name: string;
  readonly ref: DeviceRef;
  readonly keyPair: IdentityKeyPair;
  readonly device: LocalDevice;
  readonly keys: FakeKeyRing;
  readonly link: FakeLink;
  readonly problems: NewProblem[];
  profile: ProfileDb;
  sync: SyncServices;
}

/** Options of {@link SyncWorld.create}. */
export interface WorldOptions {
  readonly config?: Partial<SyncConfig>;
  /** names of agents that exist (registered, keys trusted) but are not members */
  readonly outsiders?: readonly string[];
}

/** Agents around a relay, sharing workspace `ws1`. */
export class SyncWorld {
  readonly relay = new FakeRelay();
  readonly workspaceId = 'ws1';
  readonly agents: WorldAgent[] = [];
  readonly events: MembershipEvent[] = [];
  readonly epochKeys = new Map<number, Bytes>();
  readonly #dir = mkdtempSync(join(tmpdir(), 'yp-sync-'));
  readonly #config: Partial<SyncConfig>;
  readonly #registry = new Map<string, IdentityKeyPair>();

  private constructor(config: Partial<SyncConfig>) {
    this.#config = config;
  }

  /** A world whose first agent creates the workspace and adds the other members; each member holds the epoch 1 key. */
  static async create(members: readonly string[], options: WorldOptions = {}): Promise<SyncWorld> {
    const world = new SyncWorld({ ...TEST_SYNC_CONFIG, ...options.config });
    world.epochKeys.set(1, randomBytes(32));
    for (const name of [...members, ...(options.outsiders ?? [])]) await world.addAgent(name);
    const [owner, ...rest] = members.map((name) => world.agent(name));
    if (owner === undefined) throw new Error('a world needs a member');
    world.append(owner, 'create', { kind: 'consultation', label: 'Verkostoneuvottelu', creator: { ...world.memberInfo(owner), owner: true } });
    for (const member of rest) world.append(owner, 'add_member', { member: world.memberInfo(member) });
    for (const member of [owner, ...rest]) member.keys.addEpochKey(world.workspaceId, 1, world.epochKey(1));
    return world;
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

  /** A new agent with its own profile and link; every agent trusts its identity. Not a member until added. */
  async addAgent(name: string): Promise<WorldAgent> {
    const keyPair = IdentityKeyPair.generate();
    const ref = { userId: name, deviceId: 1 };
    this.#registry.set(deviceKey(ref), keyPair);
    const created = await createProfile(this.#dir, name, PASSPHRASE, { unsafeWeakKdfForTests: true });
    if (!created.ok) throw new Error(`profile ${name}: ${created.error}`);
    const keys = new FakeKeyRing();
    const device: LocalDevice = {
      self: ref,
      orgId: `org-${name}`,
      role: 'social_worker',
      displayName: `Agent ${name}`,
      identityKey: keyPair.privateKey,
      identityPublicKey: keyPair.publicKey,
    };
    const problems: NewProblem[] = [];
    const link = this.relay.connect(ref);
    this.relay.registerDevice(ref, keyPair.publicKey.serialize());
    for (const other of this.agents) {
      other.keys.trust(ref, keyPair.publicKey.serialize());
      keys.trust(other.ref, other.keyPair.publicKey.serialize());
    }
    keys.trust(ref, keyPair.publicKey.serialize());
    const chain = this.chain();
    if (chain !== undefined) keys.setChain(chain);
    const parts = { name, ref, keyPair, device, keys, link, problems, profile: created.profile };
    const agent: WorldAgent = { ...parts, sync: this.#start(parts) };
    this.agents.push(agent);
    return agent;
  }

  /** The member record of an agent. */
  memberInfo(agent: WorldAgent): MemberInfo {
    return {
      userId: agent.ref.userId, orgId: agent.device.orgId, role: agent.device.role, owner: false,
      devices: [{ deviceId: agent.ref.deviceId, keyHash: identityKeyHash(agent.keyPair.publicKey.serialize()) }],
    };
  }

  /** Sign and append a membership event by `author`; the relay and every agent adopt the new chain state. */
  append<T extends MembershipEventType>(author: WorldAgent, type: T, payload: MembershipPayloads[T]): ChainState {
    const last = this.events.at(-1);
    const unsigned = {
      workspaceId: this.workspaceId,
      seq: last === undefined ? 0 : last.seq + 1,
      prevHash: last === undefined ? GENESIS_PREV_HASH : eventHash(last),
      type,
      payload,
      author: author.ref,
      at: Date.now(),
    } as UnsignedMembershipEvent<T>;
    this.events.push(signEvent(unsigned, author.keyPair.privateKey) as MembershipEvent);
    const state = this.chain();
    if (state === undefined) throw new Error('chain does not replay');
    this.relay.setChain(state);
    for (const agent of this.agents) agent.keys.setChain(state);
    return state;
  }

  /** The replayed chain, if any. */
  chain(): ChainState | undefined {
    if (this.events.length === 0) return undefined;
    const replayed = replayChain(this.events, (ref) => this.#registry.get(deviceKey(ref))?.publicKey);
    if (!replayed.ok) throw new Error(`chain: ${replayed.code} ${replayed.detail}`);
    return replayed.state;
  }

  /** Flush every online agent and let deliveries settle, until nothing moves. */
  async settle(): Promise<void> {
    let quietRounds = 0;
    for (let round = 0; round < 100 && quietRounds < 2; round++) {
      await Promise.all(this.agents.map((a) => a.sync.documents.flush()));
      await this.relay.drain();
      await new Promise((resolve) => setTimeout(resolve, 1));
      const busy = this.agents.some((a) => a.link.status() === 'online' && a.sync.documents.status().pending > 0);
      const before = this.relay.records(this.workspaceId).length;
      await new Promise((resolve) => setImmediate(resolve));
      quietRounds = !busy && this.relay.records(this.workspaceId).length === before ? quietRounds + 1 : 0;
    }
  }

  /** Close an agent's sync engine and profile, then reopen both (a restart of the agent). */
  async restart(agent: WorldAgent): Promise<void> {
    await agent.sync.close();
    agent.profile.close();
    const opened = await openProfile(this.#dir, agent.name, PASSPHRASE);
    if (!opened.ok) throw new Error(`reopen ${agent.name}: ${opened.error}`);
    agent.profile = opened.profile;
    agent.sync = this.#start(agent);
  }

  /** Close every agent and remove the profiles. */
  async close(): Promise<void> {
    for (const agent of this.agents) {
      await agent.sync.close();
      agent.profile.close();
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #start(agent: Omit<WorldAgent, 'sync'>): SyncServices {
    return startSync({
      link: agent.link,
      keys: agent.keys,
      device: agent.device,
      problems: { report: (problem) => void agent.problems.push(problem) },
      profile: agent.profile,
      config: this.#config,
    });
  }
}
