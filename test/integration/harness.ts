/**
 * The cross-process test harness: one real server process and any number of real agent
 * processes on 127.0.0.1 (port 0 everywhere), each agent behind its own cuttable TCP
 * proxy, all inside one temporary directory. Organisations, enrolment codes and
 * certificates come from the organisations' admin tooling against the server's admin API
 * (server-process.ts); agents are driven through their local API and edited through stock
 * y-websocket providers.
 *
 * `close()` stops every process and removes the directory, whatever state a failed test
 * left behind; call it from `afterAll`. The smaller modules are re-exported here so a
 * test imports one module.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '@yhteispoyta/crypto/types';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import type { AgentApi, Workspace } from './agent-api';
import { AgentProcess } from './agent-process';
import { PlanEditor } from './plan-editor';
import { ServerProcess } from './server-process';
import type { ServerStartOptions } from './server-process';
import { CuttableProxy } from './tcp-proxy';
import { waitFor } from './wait-for';

export { AgentApi, AgentApiError } from './agent-api';
export type { Workspace } from './agent-api';
export { AgentProcess } from './agent-process';
export { PlanEditor, wordsOf } from './plan-editor';
export { ServerProcess } from './server-process';
export { CuttableProxy } from './tcp-proxy';
export { WaitAborted, sleep, waitFor } from './wait-for';

/** One agent of a cluster: its process, its proxy and who it is. */
export interface ClusterAgent {
  readonly name: string;
  /** profile name and passphrase (the profile is created through the API) */
  readonly profile: string;
  readonly passphrase: string;
  readonly process: AgentProcess;
  readonly proxy: CuttableProxy;
  /** the user the device was enrolled as (set once enrolled) */
  userId: string;
  orgId: string;
  /** the API of the running process */
  readonly api: AgentApi;
}

/** Options of {@link Cluster.startAgent}. */
export interface AgentOptions {
  /** extra agent flags, e.g. `['--merge-window-ms', '0']` */
  readonly args?: readonly string[];
}

/** One professional of a test's team: where she works and who her certificate says she is. */
export interface TeamMember {
  /** the organisation's name: created once per cluster, shared by everyone naming it */
  readonly org: string;
  readonly role: Exclude<Role, 'client'>;
  readonly displayName: string;
  readonly args?: readonly string[];
}

/** The cast most tests meet (DOMAIN.md): a Kela expert and two professionals of one county. */
export const ANNA: TeamMember = { org: 'Kela', role: 'kela_expert', displayName: 'Anna Asiantuntija' };
export const SINI: TeamMember = { org: 'Hyvinvointialue', role: 'social_worker', displayName: 'Sini Sosiaalityöntekijä' };
export const TERO: TeamMember = { org: 'Hyvinvointialue', role: 'health_professional', displayName: 'Tero Terveydenhoitaja' };

/** A server, its agents and their proxies in one temporary directory. */
export class Cluster {
  /** the temporary directory holding everything */
  readonly root: string;
  readonly server: ServerProcess;
  readonly agents: ClusterAgent[] = [];
  readonly #proxies: CuttableProxy[] = [];
  readonly #editors = new Set<PlanEditor>();
  /** organisations created by {@link team}, by name */
  readonly #orgs = new Map<string, string>();

  private constructor(root: string, server: ServerProcess) {
    this.root = root;
    this.server = server;
  }

  /**
   * Start a server in a fresh temporary directory. If the server does not come up, the
   * directory is removed before the error propagates.
   */
  static async start(opts: Omit<ServerStartOptions, 'dir'> = {}): Promise<Cluster> {
    const root = mkdtempSync(join(tmpdir(), 'yp-int-'));
    const serverDir = join(root, 'server');
    mkdirSync(serverDir);
    try {
      return new Cluster(root, await ServerProcess.start({ ...opts, dir: serverDir }));
    } catch (error) {
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** Create an organisation. */
  createOrg(name: string): Promise<string> {
    return this.server.createOrg(name);
  }

  /** Start an agent behind a new proxy and create its profile (locked → unlocked, not enrolled). */
  async startAgent(name: string, opts: AgentOptions = {}): Promise<ClusterAgent> {
    const proxy = await CuttableProxy.start(() => this.server.port);
    this.#proxies.push(proxy);
    const dir = join(this.root, 'agents', name);
    mkdirSync(dir, { recursive: true });
    const agentProcess = await AgentProcess.start({ name, dir, proxy, ...(opts.args === undefined ? {} : { args: opts.args }) });
    const agent: ClusterAgent = {
      name,
      profile: name,
      passphrase: `${name} ${toHex(randomBytes(6))} salasana`,
      process: agentProcess,
      proxy,
      userId: '',
      orgId: '',
      get api() {
        return agentProcess.api;
      },
    };
    this.agents.push(agent);
    const status = await agent.api.createProfile(agent.profile, agent.passphrase);
    if (status.state !== 'unlocked') throw new Error(`agent ${name}: profile not unlocked after create (${status.state})`);
    return agent;
  }

  /**
   * Enrol an agent's device with a code and wait until it is online. An invitation code is
   * certified by the inviting agent by itself: this waits for that too. An enrolment code
   * waits for its organisation's admin (see {@link professional}).
   */
  async enrol(agent: ClusterAgent, code: string): Promise<void> {
    const status = await agent.api.enrol(code);
    if (status.state !== 'ready' || status.device === undefined) throw new Error(`agent ${agent.name}: not ready after enrolment`);
    agent.userId = status.device.userId;
    agent.orgId = status.device.orgId;
    await waitOnline(agent);
    if (code.trim().startsWith('inv_')) await waitCertified(agent);
  }

  /** Start an agent, enrol it as a new professional of `orgId`, and certify it as the organisation's admin would. */
  async professional(name: string, orgId: string, role: Exclude<Role, 'client'>, displayName: string, opts: AgentOptions = {}): Promise<ClusterAgent> {
    const { code } = await this.server.issueEnrolmentCode({ orgId, role, displayName });
    const agent = await this.startAgent(name, opts);
    await this.enrol(agent, code);
    await this.server.certifyPending();
    await waitCertified(agent);
    return agent;
  }

  /**
   * Start and certify a team of professionals, in the given order (one after the other, as
   * people enrol), creating each named organisation once. The agents are named by the keys.
   */
  async team<Name extends string>(members: Record<Name, TeamMember>): Promise<Record<Name, ClusterAgent>> {
    const agents = {} as Record<Name, ClusterAgent>;
    for (const [name, member] of Object.entries(members) as [Name, TeamMember][]) {
      let orgId = this.#orgs.get(member.org);
      if (orgId === undefined) {
        orgId = await this.createOrg(member.org);
        this.#orgs.set(member.org, orgId);
      }
      agents[name] = await this.professional(name, orgId, member.role, member.displayName, member.args === undefined ? {} : { args: member.args });
    }
    return agents;
  }

  /** The id of an organisation {@link team} created. */
  orgId(name: string): string {
    const id = this.#orgs.get(name);
    if (id === undefined) throw new Error(`no organisation ${name} in this cluster's teams`);
    return id;
  }

  /** A workspace the owner creates and adds the others to (one at a time, as the UI does). */
  async sharedWorkspace(owner: ClusterAgent, kind: Workspace['kind'], label: string, others: readonly ClusterAgent[]): Promise<Workspace> {
    const workspace = await owner.api.createWorkspace(kind, label);
    for (const other of others) await owner.api.addMember(workspace.workspaceId, other.userId);
    return workspace;
  }

  /**
   * Open the plan (or another document) of a workspace through an agent's y-websocket
   * room, once the agent has verified the workspace's chain. Closed by {@link close}.
   */
  async openEditor(agent: ClusterAgent, workspaceId: string, docName?: string): Promise<PlanEditor> {
    await waitFor(async () => (await agent.api.workspaces()).some((w) => w.workspaceId === workspaceId), {
      timeoutMs: 60_000,
      what: `${agent.name} to hold workspace ${workspaceId}`,
    });
    const editor = await PlanEditor.connect(agent.api, workspaceId, docName);
    this.#editors.add(editor);
    return editor;
  }

  /** Disconnect an editor opened by {@link openEditor}. */
  closeEditor(editor: PlanEditor): void {
    editor.destroy();
    this.#editors.delete(editor);
  }

  /**
   * Stop an agent (SIGTERM, or SIGKILL with `kill`), start it again on its profile and
   * unlock it through the API. Resolves when its session runs.
   */
  async restartAgent(agent: ClusterAgent, opts: { kill?: boolean } = {}): Promise<void> {
    if (opts.kill === true) await agent.process.kill();
    else await agent.process.stop();
    await agent.process.restart();
    const status = await agent.api.unlock(agent.profile, agent.passphrase);
    if (status.state !== 'ready') throw new Error(`agent ${agent.name}: not ready after unlock (${status.state})`);
  }

  /** Stop every process, close every proxy and editor, remove the directory. Never throws. */
  async close(): Promise<void> {
    for (const editor of this.#editors) {
      try {
        editor.destroy();
      } catch {
        // A half-open provider: nothing more to free.
      }
    }
    this.#editors.clear();
    await Promise.allSettled(this.agents.map((agent) => agent.process.kill()));
    await Promise.allSettled(this.#proxies.map((proxy) => proxy.close()));
    await this.server.kill().catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

/** Wait until the agent's device is certified (it learns so from the certificates the server serves). */
async function waitCertified(agent: ClusterAgent, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await agent.api.status()).device?.certification.state === 'certified', { timeoutMs, what: `${agent.name} to be certified` });
}

/** Wait until the agent's link to the server is online. */
export async function waitOnline(agent: ClusterAgent, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await agent.api.status()).link === 'online', { timeoutMs, what: `${agent.name} to be online` });
}
