/**
 * Edit propagation latency (BENCHMARKS: p50/p95/p99 from a local Yjs change on one
 * client to its arrival in another client's Y.Doc), at several numbers of concurrent
 * workspaces with five typing clients each, for three set-ups fed the same traces:
 *
 * - Yhteispöytä, in-process agents: each client is an agent's own document; an edit is
 *   merged, sealed, pushed, stored, fanned out, verified, decrypted and applied.
 * - Yhteispöytä, agent processes: `npm run agent` children, each client a stock
 *   WebsocketProvider on its agent's y-websocket endpoint (adds the two local hops a
 *   browser UI has).
 * - Baseline: stock WebsocketProviders on the stock y-websocket relay.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { cpuMeter } from './cpu';
import { mapLimit } from './light-device';
import { benchCode, certifyAll } from './organisation';
import type { BenchOrg } from './organisation';
import { sessionOf, until } from './agents';
import type { BenchAgent } from './agents';
import { startAgentProcess } from './processes';
import type { AgentProcess, MeasuredProcess } from './processes';
import { percentile, summarize } from './stats';
import type { LatencySummary } from './stats';
import { runTypingWorkload, warmUp } from './workload';
import type { WorkloadPlan } from './workload';
import { webSocketProtocols } from '@yhteispoyta/local-api/auth';

/** One measured propagation configuration. */
export interface PropagationRow {
  /** Yhteispöytä, the stock y-websocket relay, or Hocuspocus with SQLite */
  readonly system: 'yhteispoyta' | 'baseline' | 'hocuspocus';
  /** how the clients are run */
  readonly setup: string;
  readonly workspaces: number;
  readonly clientsPerWorkspace: number;
  /** load-generating processes the clients ran in */
  readonly generators: number;
  readonly latency: LatencySummary;
  /** every latency sample (ms) */
  readonly samples: readonly number[];
  /** edits replayed (each one Yjs update) */
  readonly edits: number;
  readonly lost: number;
  /** how late the generators sent their scheduled edits, p50 and p99 (ms) */
  readonly generatorLateP50: number;
  readonly generatorLateP99: number;
  /** cores the generator processes used (sum of their shares of one core) */
  readonly clientCpu: number;
  /** share of one core the server used */
  readonly serverCpu: number;
  /** server CPU-seconds per 1 000 edits replayed (= CPU ms per edit) */
  readonly serverCpuSPer1000: number;
}

async function measure(
  system: PropagationRow['system'],
  setup: string,
  groups: readonly (readonly Y.Doc[])[],
  server: MeasuredProcess,
  plan: WorkloadPlan,
): Promise<PropagationRow> {
  await warmUp(groups);
  const meter = cpuMeter(server.pid);
  const result = await runTypingWorkload(groups, plan);
  const cpu = meter.stop();
  return {
    system,
    setup,
    workspaces: groups.length,
    clientsPerWorkspace: groups[0]?.length ?? 0,
    generators: 1,
    latency: summarize(result.latencies),
    samples: result.latencies,
    edits: result.edits,
    lost: result.lost,
    generatorLateP50: percentile(result.lateness, 50),
    generatorLateP99: result.generatorLateP99,
    clientCpu: result.clientCpu,
    serverCpu: cpu.share,
    serverCpuSPer1000: cpu.cpuMs / Math.max(1, result.edits),
  };
}

/** Yhteispöytä with in-process agents: the agents' own plan documents, one group per workspace. */
export async function ypInProcess(
  workspaces: readonly { readonly workspaceId: string; readonly agents: readonly BenchAgent[] }[],
  server: MeasuredProcess,
  plan: WorkloadPlan,
): Promise<PropagationRow> {
  const groups = await Promise.all(
    workspaces.map(({ workspaceId, agents }) => Promise.all(agents.map((agent) => sessionOf(agent).parts.documents.open(workspaceId, 'doc:plan')))),
  );
  return measure('yhteispoyta', 'in-process agents', groups, server, plan);
}

/** A stock WebsocketProvider on `url` (ws polyfill for Node), without BroadcastChannel; `protocols` carry an agent's token. */
export function provider(url: string, room: string, protocols: string[] = []): WebsocketProvider {
  return new WebsocketProvider(url, room, new Y.Doc(), {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    protocols,
    disableBc: true,
  });
}

/** Resolves once the provider has completed its first sync. */
export function synced(p: WebsocketProvider): Promise<void> {
  return p.synced ? Promise.resolve() : new Promise((resolve) => p.once('sync', (isSynced: boolean) => isSynced && resolve()));
}

/**
 * Yhteispöytä with agent processes: `clients` `npm run agent` children enrolled at the
 * server with codes of the organisation's admin tool and certified by it, one workspace,
 * and a stock WebsocketProvider on each agent's y-websocket room.
 */
export async function ypAgentProcesses(opts: {
  readonly server: MeasuredProcess;
  readonly org: BenchOrg;
  readonly dir: string;
  readonly clients: number;
  readonly mergeWindowMs: number;
  readonly compactionThreshold: number;
  readonly plan: WorkloadPlan;
}): Promise<PropagationRow> {
  const root = join(opts.dir, 'agent-processes');
  mkdirSync(root, { recursive: true });
  const agents: AgentProcess[] = [];
  const providers: WebsocketProvider[] = [];
  try {
    const started = await mapLimit(Array.from({ length: opts.clients }, (_, i) => i), opts.clients, (i) =>
      startAgentProcess({
        name: `proc${i}`,
        serverUrl: opts.server.url,
        profilesDir: join(root, `proc${i}`),
        args: ['--merge-window-ms', String(opts.mergeWindowMs), '--compaction-threshold', String(opts.compactionThreshold)],
      }),
    );
    agents.push(...started);
    const userIds: string[] = [];
    const codeIds: string[] = [];
    for (const agent of agents) {
      const { code, codeId, userId } = await benchCode(opts.org, `Bench ${agent.name}`);
      const enrolled = await agent.call('POST', '/api/account/enrol', { code });
      if (enrolled.status !== 200) throw new Error(`${agent.name} enrolment: ${JSON.stringify(enrolled.body)}`);
      userIds.push(userId);
      codeIds.push(codeId);
    }
    await certifyAll(opts.org, codeIds);
    for (const agent of agents) {
      await until(`${agent.name} certified`, async () => {
        const { status } = (await agent.call('GET', '/api/status')).body as { status?: { device?: { certification?: { state?: string } } } };
        return status?.device?.certification?.state === 'certified';
      });
    }
    const [owner, ...others] = agents;
    if (owner === undefined) throw new Error('no agents');
    await until('the owner agent online', async () => JSON.stringify((await owner.call('GET', '/api/status')).body).includes('"link":"online"'));
    const created = await owner.call('POST', '/api/workspaces', { kind: 'consultation', label: 'Bench processes' });
    const workspaceId = (created.body as { workspace?: { workspaceId?: string } }).workspace?.workspaceId;
    if (workspaceId === undefined) throw new Error(`workspace creation: ${JSON.stringify(created.body)}`);
    for (const userId of userIds.slice(1)) {
      const added = await owner.call('POST', `/api/workspaces/${workspaceId}/members`, { userId });
      if (added.status !== 200) throw new Error(`adding a member: ${JSON.stringify(added.body)}`);
    }
    // Each added colleague accepts the invitation (issue 15) before the workspace is his.
    for (const agent of others) {
      await until(`${agent.name} sees the workspace`, async () => {
        await agent.call('POST', `/api/invitations/${workspaceId}/accept`, {});
        return JSON.stringify((await agent.call('GET', '/api/workspaces')).body).includes(workspaceId);
      });
    }
    for (const agent of agents) providers.push(provider(`ws://127.0.0.1:${agent.port}/yjs`, `${workspaceId}/plan`, webSocketProtocols(agent.token)));
    await Promise.all(providers.map(synced));
    return await measure('yhteispoyta', 'agent processes, WebsocketProvider on each', [providers.map((p) => p.doc)], opts.server, opts.plan);
  } finally {
    for (const p of providers) {
      p.destroy();
      p.doc.destroy();
    }
    await Promise.all(agents.map((agent) => agent.close()));
  }
}
