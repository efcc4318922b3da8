/**
 * In-process agents for the bench: the real AgentHost with the real session factory
 * (keys, SQLCipher profile, sync engine, socket.io link), many in this process, each on
 * its own profile. Profiles use the weak test KDF (scrypt N = 2^10): KDF cost is paid
 * once at unlock and is no part of what is measured. Each agent enrols with a code of the
 * bench organisation's admin tool and is certified by it (bench/organisation.ts) before
 * it takes part: agents give keys only to certified devices.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentHost, createSessionFactory } from '@yhteispoyta/agent/agent';
import type { AgentSession } from '@yhteispoyta/agent/agent';
import type { AgentConfig } from '@yhteispoyta/agent/config';
import { mapLimit } from './light-device';
import { benchCode, certifyAll } from './organisation';
import type { BenchOrg } from './organisation';

/** Sync tunables a bench agent runs with. */
export interface AgentTuning {
  readonly mergeWindowMs: number;
  readonly compactionThreshold: number;
}

/** One in-process agent. */
export interface BenchAgent {
  readonly name: string;
  readonly userId: string;
  readonly profilesDir: string;
  /** the running host; replaced by {@link restartAgent} */
  host: AgentHost;
}

const PASSPHRASE = 'bench passphrase';

function agentConfig(serverUrl: string, profilesDir: string, tuning: AgentTuning): AgentConfig {
  return {
    serverUrl,
    profilesDir,
    createProfile: false,
    port: 0,
    mergeWindowMs: tuning.mergeWindowMs,
    compactionThreshold: tuning.compactionThreshold,
    signedPreKeyRotationMs: 7 * 24 * 3600 * 1000,
    heartbeatIntervalMs: 180_000,
    staleHeadGraceMs: 120_000,
    maxAttachmentBytes: 1024 * 1024,
    logLevel: 'silent',
  };
}

/** The running session of an agent; throws when it has none. */
export function sessionOf(agent: BenchAgent): AgentSession {
  const session = agent.host.session();
  if (session === undefined) throw new Error(`agent ${agent.name} has no session`);
  return session;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every 20 ms until it holds; throws after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Create the profile of agent `name` in `profilesDir` and enrol it with `code`; resolves
 * once its link is online (not yet certified: the organisation's admin tool does that).
 */
export async function enrolAgent(opts: {
  readonly name: string;
  readonly userId: string;
  readonly code: string;
  readonly serverUrl: string;
  readonly profilesDir: string;
  readonly tuning: AgentTuning;
}): Promise<BenchAgent> {
  mkdirSync(opts.profilesDir, { recursive: true });
  const host = new AgentHost({ config: agentConfig(opts.serverUrl, opts.profilesDir, opts.tuning), factory: createSessionFactory(), unsafeWeakKdfForTests: true });
  const created = await host.createProfile('bench', PASSPHRASE);
  if (!created.ok) throw new Error(`${opts.name}: ${created.message}`);
  const enrolled = await host.enrol(opts.code);
  if (!enrolled.ok) throw new Error(`${opts.name}: ${enrolled.message}`);
  const agent: BenchAgent = { name: opts.name, userId: opts.userId, profilesDir: opts.profilesDir, host };
  await until(`${opts.name} online`, () => sessionOf(agent).parts.link.status() === 'online');
  return agent;
}

/** Resolves once `agent` knows its device certified. */
export function awaitCertified(agent: BenchAgent): Promise<void> {
  // A fleet certifies hundreds of devices in batches on a shared machine: minutes, not seconds.
  return until(`${agent.name} certified`, () => sessionOf(agent).parts.devices.certification().state === 'certified', 240_000);
}

/**
 * Create and enrol `count` agents (users of `org`) at the server, three at a time; each is
 * certified by the organisation's admin tool and knows itself certified before it counts
 * as started.
 */
export async function startAgents(opts: {
  readonly count: number;
  readonly prefix: string;
  readonly serverUrl: string;
  readonly org: BenchOrg;
  readonly dir: string;
  readonly tuning: AgentTuning;
}): Promise<BenchAgent[]> {
  return mapLimit(Array.from({ length: opts.count }, (_, i) => i), 3, async (i) => {
    const name = `${opts.prefix}${i}`;
    const { code, codeId, userId } = await benchCode(opts.org, `Bench ${name}`);
    const agent = await enrolAgent({ name, userId, code, serverUrl: opts.serverUrl, profilesDir: join(opts.dir, name), tuning: opts.tuning });
    await certifyAll(opts.org, [codeId]);
    await awaitCertified(agent);
    return agent;
  });
}

/**
 * Stop an agent and start it again on the same profile (its local cache stays), with
 * `tuning` applied; resolves once its link is online again.
 */
export async function restartAgent(agent: BenchAgent, serverUrl: string, tuning: AgentTuning): Promise<void> {
  await agent.host.close();
  agent.host = new AgentHost({ config: agentConfig(serverUrl, agent.profilesDir, tuning), factory: createSessionFactory(), unsafeWeakKdfForTests: true });
  const unlocked = await agent.host.unlock('bench', PASSPHRASE);
  if (!unlocked.ok) throw new Error(`${agent.name}: ${unlocked.message}`);
  await until(`${agent.name} online`, () => sessionOf(agent).parts.link.status() === 'online');
}

/** A consultation workspace owned by `owner` with `members` added; resolves when every member holds the epoch key. */
export async function formWorkspace(owner: BenchAgent, members: readonly BenchAgent[], label: string): Promise<string> {
  const membership = sessionOf(owner).parts.membership;
  const { workspaceId } = await membership.create('consultation', label);
  for (const member of members) await membership.addMember(workspaceId, member.userId);
  for (const member of members) {
    await until(`${member.name} has the key of ${label}`, () => sessionOf(member).parts.keys.currentEpoch(workspaceId) !== undefined);
  }
  return workspaceId;
}

/** Problems the agents' sync and keys parts reported (verification failures, refusals, gaps …). */
export function problemCount(agents: readonly BenchAgent[]): number {
  return agents.reduce((sum, agent) => sum + agent.host.problems.list().length, 0);
}

/** Close every agent (flushing queued edits first). */
export async function closeAgents(agents: readonly BenchAgent[]): Promise<void> {
  await mapLimit(agents, 8, (agent) => agent.host.close());
}
