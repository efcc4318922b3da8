/**
 * FOR TESTS: the real server, the hostile relay in front of it, and whole in-process
 * agents (each with its own profile and its local UI API) pointed at the relay, plus an
 * enrolled, certified attacker device. The organisations (Kela and a county) are run by
 * the real admin tooling (`@yhteispoyta/admin`) under a deployment root held here: the
 * relay and the server — the operator — never hold a key that signs a certificate.
 * Agents are driven and observed only through what the UI uses: the JSON API (problems,
 * members, chat, document hashes) and their live Y.Docs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Y from 'yjs';
import { AgentHost, createSessionFactory } from '@yhteispoyta/agent/agent';
import type { SessionParts } from '@yhteispoyta/agent/agent';
import { LOCAL_EDIT } from '@yhteispoyta/agent/sync/doc-origin';
import { startApiServer } from '@yhteispoyta/agent/api/server';
import type { RunningApi } from '@yhteispoyta/agent/api/server';
import { callJson, testConfig } from '@yhteispoyta/agent/api/test-agent.testkit';
import type { AgentProblem, ChatMessage, ProblemCode } from '@yhteispoyta/agent/contracts';
import type { DeviceRef, MemberInfo, Role } from '@yhteispoyta/crypto/types';
import { AdminClient, MemoryOrgStateStore, OrgAuthority, createOrganisation, createRoot } from '@yhteispoyta/admin/index';
import { startServer } from '@yhteispoyta/server/app';
import type { RunningServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { AttackerDevice } from './attacker-device';
import { HostileRelay } from './hostile-relay';

/** Who an agent of the world is. */
export interface AgentSpec {
  readonly name: string;
  readonly org: 'kela' | 'county';
  readonly role: Exclude<Role, 'client'>;
}

/** The people of the hostile suites, each always in the same organisation and role. */
export const CAST = {
  anna: { name: 'anna', org: 'kela', role: 'kela_expert' },
  erik: { name: 'erik', org: 'kela', role: 'kela_expert' },
  sini: { name: 'sini', org: 'county', role: 'social_worker' },
  carl: { name: 'carl', org: 'county', role: 'social_worker' },
  bert: { name: 'bert', org: 'county', role: 'social_worker' },
  dora: { name: 'dora', org: 'county', role: 'health_professional' },
  tero: { name: 'tero', org: 'county', role: 'health_professional' },
} as const satisfies Record<string, AgentSpec>;

/** Options of {@link HostileWorld.start}. */
export interface WorldOptions {
  readonly agents: readonly AgentSpec[];
  /** updates on a snapshot before a member seals the next one (default 200) */
  readonly compactionThreshold?: number;
}

/** Wait until `check` holds (test-support's waitUntil, with the timeout as a number). */
export function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  return waitUntil(what, check, { timeoutMs: ms, intervalMs: 50 });
}

/** Wait `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The admin API token of every world's server. */
const ADMIN_TOKEN = 'hostile-world-admin-token-0123456789';

/** One agent of the world. */
export class WorldAgent {
  readonly name: string;
  readonly userId: string;
  readonly host: AgentHost;
  readonly api: RunningApi;

  constructor(name: string, userId: string, host: AgentHost, api: RunningApi) {
    this.name = name;
    this.userId = userId;
    this.host = host;
    this.api = api;
  }

  /** `GET /api/status`: this device's certification. */
  async certification(): Promise<{ state: string; approvalCode?: string }> {
    const res = await callJson(this.api, 'GET', '/api/status');
    const device = (res.body as { status: { device?: { certification: { state: string; approvalCode?: string } } } }).status.device;
    return device?.certification ?? { state: 'none' };
  }

  /** This agent's device. */
  get ref(): DeviceRef {
    return this.session().device.self;
  }

  /** The running session's parts. */
  session(): SessionParts {
    const session = this.host.session();
    if (session === undefined) throw new Error(`${this.name} has no session`);
    return session.parts;
  }

  /** `GET /api/problems`. */
  async problems(): Promise<AgentProblem[]> {
    const res = await callJson(this.api, 'GET', '/api/problems');
    return (res.body as { problems: AgentProblem[] }).problems;
  }

  /** The ids of the problems listed now, to tell new ones apart later. */
  async mark(): Promise<ReadonlySet<string>> {
    return new Set((await this.problems()).map((p) => p.id));
  }

  /** Problems reported after `mark`. */
  async problemsSince(mark: ReadonlySet<string>): Promise<AgentProblem[]> {
    return (await this.problems()).filter((p) => !mark.has(p.id));
  }

  /** Wait until a problem with one of `codes` is reported after `mark`; returns it. */
  async awaitProblem(mark: ReadonlySet<string>, codes: readonly ProblemCode[], ms = 20_000): Promise<AgentProblem | undefined> {
    let found: AgentProblem | undefined;
    try {
      await until(`${this.name} reports ${codes.join('|')}`, async () => {
        found = (await this.problemsSince(mark)).find((p) => codes.includes(p.code));
        return found !== undefined;
      }, ms);
    } catch {
      return undefined;
    }
    return found;
  }

  /** The live plan document (opening it follows the workspace). */
  plan(workspaceId: string): Promise<Y.Doc> {
    return this.session().documents.open(workspaceId, 'doc:plan');
  }

  /** The plan's text. */
  async planText(workspaceId: string): Promise<string> {
    return (await this.plan(workspaceId)).getText('plan').toString();
  }

  /** Append `text` to the plan, as a local edit. */
  async write(workspaceId: string, text: string): Promise<void> {
    const doc = await this.plan(workspaceId);
    const plan = doc.getText('plan');
    doc.transact(() => plan.insert(plan.length, text), LOCAL_EDIT);
  }

  /**
   * Accept the invitations waiting (issue 15): the people of these tests take part in what
   * they are added to (the invitation itself is tested in client/agent/src/keys/invitations.test.ts
   * and test/e2e/invitations.e2e.test.ts). Every API call about a workspace below does this first.
   */
  async acceptInvitations(): Promise<void> {
    const listed = await callJson(this.api, 'GET', '/api/invitations');
    if (listed.status !== 200) return;
    for (const { workspaceId } of (listed.body as { invitations: { workspaceId: string }[] }).invitations) {
      await callJson(this.api, 'POST', `/api/invitations/${workspaceId}/accept`, {});
    }
  }

  /** `GET …/documents/plan/hash`: the convergence fingerprint. */
  async planHash(workspaceId: string): Promise<string> {
    await this.acceptInvitations();
    const res = await callJson(this.api, 'GET', `/api/workspaces/${workspaceId}/documents/plan/hash`);
    return (res.body as { hash: string }).hash;
  }

  /** `GET …/chat`. */
  async chat(workspaceId: string): Promise<ChatMessage[]> {
    await this.acceptInvitations();
    const res = await callJson(this.api, 'GET', `/api/workspaces/${workspaceId}/chat`);
    return (res.body as { messages: ChatMessage[] }).messages;
  }

  /** `POST …/chat`. */
  async say(workspaceId: string, text: string): Promise<ChatMessage> {
    await this.acceptInvitations();
    const res = await callJson(this.api, 'POST', `/api/workspaces/${workspaceId}/chat`, { text });
    if (res.status !== 201) throw new Error(`${this.name} could not send a chat message: ${res.status}`);
    return (res.body as { message: ChatMessage }).message;
  }

  /** `GET …/members` (userIds, sorted); [] when this device lists no such workspace. */
  async members(workspaceId: string): Promise<string[]> {
    await this.acceptInvitations();
    const res = await callJson(this.api, 'GET', `/api/workspaces/${workspaceId}/members`);
    if (res.status !== 200) return [];
    return (res.body as { members: MemberInfo[] }).members.map((m) => m.userId).sort();
  }

  /** The epoch this device holds the newest key of. */
  epoch(workspaceId: string): number | undefined {
    return this.session().keys.currentEpoch(workspaceId)?.epoch;
  }

  /** Whether the server link is online. */
  online(): boolean {
    return this.host.session()?.parts.link.status() === 'online';
  }
}

/** The server, the relay, the agents behind it, the organisations' admin tooling and an attacker device. */
export class HostileWorld {
  readonly dir: string;
  readonly server: RunningServer;
  readonly relay: HostileRelay;
  readonly attacker: AttackerDevice;
  /** the organisations' admin tooling (their keys never reach the server or the relay) */
  readonly orgs: { readonly kela: OrgAuthority; readonly county: OrgAuthority };
  readonly #agents: Map<string, WorldAgent>;
  readonly #compactionThreshold: number | undefined;

  private constructor(
    dir: string,
    server: RunningServer,
    relay: HostileRelay,
    attacker: AttackerDevice,
    orgs: { kela: OrgAuthority; county: OrgAuthority },
    agents: Map<string, WorldAgent>,
    compactionThreshold: number | undefined,
  ) {
    this.dir = dir;
    this.server = server;
    this.relay = relay;
    this.attacker = attacker;
    this.orgs = orgs;
    this.#agents = agents;
    this.#compactionThreshold = compactionThreshold;
  }

  /** Start everything; every agent is enrolled through its relay door, certified by its organisation and online. */
  static async start(opts: WorldOptions): Promise<HostileWorld> {
    const dir = mkdtempSync(join(tmpdir(), 'yp-hostile-'));
    const server = await startServer({
      config: loadConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        SQLITE_PATH: join(dir, 'server.db'),
        LOG_LEVEL: 'silent',
        ADMIN_TOKEN,
        RATE_PER_IP_PER_MINUTE: '1000000',
        RATE_PER_DEVICE_PER_MINUTE: '1000000',
      }),
    });
    const relay = new HostileRelay(server.url);
    const agents = new Map<string, WorldAgent>();
    try {
      const admin = new AdminClient({ baseUrl: server.url, token: ADMIN_TOKEN });
      const root = createRoot();
      const organisation = async (name: string): Promise<OrgAuthority> =>
        OrgAuthority.open({ store: new MemoryOrgStateStore(await createOrganisation({ root, name, admin })), admin });
      const orgs = { kela: await organisation('Kela'), county: await organisation('Hyvinvointialue') };
      for (const spec of opts.agents) {
        const code = await orgs[spec.org].issueCode({ role: spec.role, displayName: spec.name });
        agents.set(spec.name, await startAgent(dir, relay, spec.name, code.userId, code.code, opts.compactionThreshold));
      }
      const attackerCode = await orgs.county.issueCode({ role: 'social_worker', displayName: 'Mallory' });
      const attacker = await AttackerDevice.enrol(server.url, attackerCode.code);
      for (const org of Object.values(orgs)) await org.certifyPending();
      const world = new HostileWorld(dir, server, relay, attacker, orgs, agents, opts.compactionThreshold);
      await until('every agent online and certified', async () => {
        for (const agent of agents.values()) if (!agent.online() || (await agent.certification()).state !== 'certified') return false;
        return true;
      });
      return world;
    } catch (error) {
      for (const agent of agents.values()) {
        await agent.api.close();
        await agent.host.close();
      }
      await relay.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Start an agent named `name` behind its own door and enrol it with `code` (certification is up to the code's issuer). */
  async enrolAgent(name: string, userId: string, code: string): Promise<WorldAgent> {
    const agent = await startAgent(this.dir, this.relay, name, userId, code, this.#compactionThreshold);
    this.#agents.set(name, agent);
    return agent;
  }

  /**
   * A further device of `of`'s person, in a new agent named `name`: `of` makes a link
   * code, the new agent enrols with it and shows six digits, `of` sees the same digits
   * next to the waiting device and approves it. Resolves once the new device is certified.
   */
  async addDevice(name: string, of: string): Promise<WorldAgent> {
    const owner = this.agent(of);
    const link = await callJson(owner.api, 'POST', '/api/devices/link-code', {});
    if (link.status !== 201) throw new Error(`link code of ${of}: ${JSON.stringify(link.body)}`);
    const { code } = (link.body as { link: { code: string } }).link;
    const agent = await startAgent(this.dir, this.relay, name, owner.userId, code, this.#compactionThreshold);
    this.#agents.set(name, agent);
    const shown = (await agent.certification()).approvalCode;
    let waiting: { deviceId: number; approvalCode: string } | undefined;
    await until(`${of} sees the waiting device`, async () => {
      const listed = await callJson(owner.api, 'GET', '/api/devices');
      waiting = (listed.body as { pending: { deviceId: number; approvalCode: string }[] }).pending.find((p) => p.deviceId === agent.ref.deviceId);
      return waiting !== undefined;
    });
    if (waiting === undefined || shown === undefined || waiting.approvalCode !== shown) throw new Error('the approval codes differ');
    const approved = await callJson(owner.api, 'POST', `/api/devices/${waiting.deviceId}/approve`, {});
    if (approved.status !== 200) throw new Error(`approval: ${JSON.stringify(approved.body)}`);
    await until(`${name} certified`, async () => (await agent.certification()).state === 'certified');
    return agent;
  }

  /** The agent named `name`. */
  agent(name: string): WorldAgent {
    const agent = this.#agents.get(name);
    if (agent === undefined) throw new Error(`no agent ${name}`);
    return agent;
  }

  /**
   * `owner` creates a case workspace and adds `members`; returns once every one of them
   * holds the epoch key and follows the plan and the chat.
   */
  async workspace(owner: string, members: readonly string[]): Promise<string> {
    const creator = this.agent(owner);
    const created = await callJson(creator.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Asiakas, 24 v' });
    if (created.status !== 201) throw new Error(`workspace creation: ${created.status}`);
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
    for (const name of members) {
      const added = await callJson(creator.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: this.agent(name).userId });
      if (added.status !== 200) throw new Error(`adding ${name}: ${JSON.stringify(added.body)}`);
    }
    for (const agent of [creator, ...members.map((m) => this.agent(m))]) {
      await until(`${agent.name} holds the workspace key`, () => agent.epoch(workspaceId) !== undefined);
      await agent.plan(workspaceId);
      await agent.chat(workspaceId);
    }
    return workspaceId;
  }

  /** Wait until the named agents hold the same plan (equal state hashes); returns the hash. */
  async converged(workspaceId: string, names: readonly string[], ms = 30_000): Promise<string> {
    const agents = names.map((n) => this.agent(n));
    let hash = '';
    await until(`${names.join(', ')} converge`, async () => {
      const hashes = await Promise.all(agents.map((a) => a.planHash(workspaceId)));
      hash = hashes[0] ?? '';
      return hashes.every((h) => h === hash);
    }, ms);
    return hash;
  }

  /** Stop one agent (its profile stays in the world's directory). */
  async stopAgent(name: string): Promise<void> {
    const agent = this.agent(name);
    await agent.api.close();
    await agent.host.close();
    this.#agents.delete(name);
  }

  /** Stop everything and delete the temporary files. */
  async close(): Promise<void> {
    for (const agent of this.#agents.values()) {
      await agent.api.close();
      await agent.host.close();
    }
    await this.relay.close();
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An in-process agent behind its own relay door, its profile created and enrolled with `code`. */
async function startAgent(dir: string, relay: HostileRelay, name: string, userId: string, code: string, compactionThreshold: number | undefined): Promise<WorldAgent> {
  const url = await relay.door(name);
  const config = { ...testConfig(join(dir, name), url), ...(compactionThreshold === undefined ? {} : { compactionThreshold }) };
  const host = new AgentHost({ config, factory: createSessionFactory(), unsafeWeakKdfForTests: true });
  const api = await startApiServer({ host, port: 0, uiDir: join(dir, 'no-ui') });
  const agent = new WorldAgent(name, userId, host, api);
  try {
    const created = await callJson(api, 'POST', '/api/profiles', { name, passphrase: `${name} ja kolme kiveä rannalla` });
    if (created.status !== 201) throw new Error(`profile of ${name}: ${created.status}`);
    const enrolled = await callJson(api, 'POST', '/api/account/enrol', { code });
    if (enrolled.status !== 200) throw new Error(`enrolment of ${name}: ${JSON.stringify(enrolled.body)}`);
  } catch (error) {
    await api.close();
    await host.close();
    throw error;
  }
  return agent;
}
