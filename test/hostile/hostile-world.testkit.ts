/**
 * FOR TESTS: the real server, the hostile relay in front of it, and whole in-process
 * agents (each with its own profile and its local UI API) pointed at the relay, plus an
 * enrolled attacker device. Agents are driven and observed only through what the UI
 * uses: the JSON API (problems, members, chat, document hashes) and their live Y.Docs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Y from 'yjs';
import { AgentHost, createSessionFactory } from '@yhteispoyta/agent/agent';
import type { SessionParts } from '@yhteispoyta/agent/agent';
import { startApiServer } from '@yhteispoyta/agent/api/server';
import type { RunningApi } from '@yhteispoyta/agent/api/server';
import { callJson, testConfig } from '@yhteispoyta/agent/api/test-agent.testkit';
import type { AgentProblem, ChatMessage, ProblemCode } from '@yhteispoyta/agent/contracts';
import type { DeviceRef, MemberInfo, Role } from '@yhteispoyta/crypto/types';
import { startServer } from '@yhteispoyta/server/app';
import type { RunningServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { issueEnrolmentCode } from '@yhteispoyta/server/services/codes';
import { createOrg } from '@yhteispoyta/server/services/directory';
import { AttackerDevice } from './attacker-device';
import { HostileRelay } from './hostile-relay';

/** Who an agent of the world is. */
export interface AgentSpec {
  readonly name: string;
  readonly org: 'kela' | 'county';
  readonly role: Exclude<Role, 'client'>;
}

/** Options of {@link HostileWorld.start}. */
export interface WorldOptions {
  readonly agents: readonly AgentSpec[];
  /** updates on a snapshot before a member seals the next one (default 200) */
  readonly compactionThreshold?: number;
}

/** Poll `check` until it is true; throws with `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Wait `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

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
    const plan = (await this.plan(workspaceId)).getText('plan');
    plan.insert(plan.length, text);
  }

  /** `GET …/documents/plan/hash`: the convergence fingerprint. */
  async planHash(workspaceId: string): Promise<string> {
    const res = await callJson(this.api, 'GET', `/api/workspaces/${workspaceId}/documents/plan/hash`);
    return (res.body as { hash: string }).hash;
  }

  /** `GET …/chat`. */
  async chat(workspaceId: string): Promise<ChatMessage[]> {
    const res = await callJson(this.api, 'GET', `/api/workspaces/${workspaceId}/chat`);
    return (res.body as { messages: ChatMessage[] }).messages;
  }

  /** `POST …/chat`. */
  async say(workspaceId: string, text: string): Promise<ChatMessage> {
    const res = await callJson(this.api, 'POST', `/api/workspaces/${workspaceId}/chat`, { text });
    if (res.status !== 201) throw new Error(`${this.name} could not send a chat message: ${res.status}`);
    return (res.body as { message: ChatMessage }).message;
  }

  /** `GET …/members` (userIds, sorted); [] when this device lists no such workspace. */
  async members(workspaceId: string): Promise<string[]> {
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

/** The server, the relay, the agents behind it and an attacker device. */
export class HostileWorld {
  readonly dir: string;
  readonly server: RunningServer;
  readonly relay: HostileRelay;
  readonly attacker: AttackerDevice;
  readonly #agents: Map<string, WorldAgent>;

  private constructor(dir: string, server: RunningServer, relay: HostileRelay, attacker: AttackerDevice, agents: Map<string, WorldAgent>) {
    this.dir = dir;
    this.server = server;
    this.relay = relay;
    this.attacker = attacker;
    this.#agents = agents;
  }

  /** Start everything; every agent is enrolled through its relay door and online. */
  static async start(opts: WorldOptions): Promise<HostileWorld> {
    const dir = mkdtempSync(join(tmpdir(), 'yp-hostile-'));
    const server = await startServer({
      config: loadConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        SQLITE_PATH: join(dir, 'server.db'),
        LOG_LEVEL: 'silent',
        RATE_PER_IP_PER_MINUTE: '1000000',
        RATE_PER_DEVICE_PER_MINUTE: '1000000',
      }),
    });
    const relay = new HostileRelay(server.url);
    const orgs = { kela: (await createOrg(server.ctx, 'Kela')).orgId, county: (await createOrg(server.ctx, 'Hyvinvointialue')).orgId };
    const agents = new Map<string, WorldAgent>();
    try {
      for (const spec of opts.agents) {
        const code = await issueEnrolmentCode(server.ctx, { orgId: orgs[spec.org], role: spec.role, displayName: spec.name });
        const url = await relay.door(spec.name);
        const config = { ...testConfig(join(dir, spec.name), url), ...(opts.compactionThreshold === undefined ? {} : { compactionThreshold: opts.compactionThreshold }) };
        const host = new AgentHost({ config, factory: createSessionFactory(), unsafeWeakKdfForTests: true });
        const api = await startApiServer({ host, port: 0, uiDir: join(dir, 'no-ui') });
        const agent = new WorldAgent(spec.name, code.userId, host, api);
        agents.set(spec.name, agent);
        const created = await callJson(api, 'POST', '/api/profiles', { name: spec.name, passphrase: `${spec.name} salasana` });
        if (created.status !== 201) throw new Error(`profile of ${spec.name}: ${created.status}`);
        const enrolled = await callJson(api, 'POST', '/api/account/enrol', { code: code.code });
        if (enrolled.status !== 200) throw new Error(`enrolment of ${spec.name}: ${JSON.stringify(enrolled.body)}`);
      }
      const attackerCode = await issueEnrolmentCode(server.ctx, { orgId: orgs.county, role: 'social_worker', displayName: 'Mallory' });
      const attacker = await AttackerDevice.enrol(server.url, attackerCode.code);
      const world = new HostileWorld(dir, server, relay, attacker, agents);
      await until('every agent online', () => [...agents.values()].every((a) => a.online()));
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
