/**
 * One load-generating process of a fleet (fleet.ts forks several, so that no single
 * process replays every client's edits): it holds the clients of some workspaces —
 * in-process Yhteispöytä agents, stock WebsocketProviders on the stock relay, or
 * HocuspocusProviders on Hocuspocus — and replays their seeded traces when told,
 * answering with every latency sample and how late it ran each scheduled edit.
 *
 *   parent → { type: 'setup', setup }       child → { type: 'enrolled' } (agents: enrolled, not yet certified) then { type: 'ready' }
 *   parent → { type: 'certified' }          (agents only: the parent's admin tool has certified them)
 *   parent → { type: 'warm', groups }       child → { type: 'warmed' } once its first `groups` workspaces converged on a warm-up edit
 *   parent → { type: 'go', plan, profileFile? }  child → { type: 'result', result } after replaying those workspaces' traces
 *                                         (with `profileFile`, the replay is CPU-profiled into that file)
 *   parent → { type: 'close' }              child → { type: 'closed', problems } and exits
 *   child → { type: 'error', message } on any failure
 */
import { join } from 'node:path';
import type * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { hocuspocusProvider, hocuspocusSynced } from './hocuspocus-client';
import { awaitCertified, closeAgents, enrolAgent, formWorkspace, problemCount, sessionOf } from './agents';
import type { AgentTuning, BenchAgent } from './agents';
import { mapLimit } from './light-device';
import { provider, synced } from './propagation';
import { SelfProfiler } from './self-profile';
import { runTypingWorkload, warmUp } from './workload';
import type { WorkloadPlan, WorkloadResult } from './workload';

/** One member agent to enrol with a code the parent issued. */
export interface MemberCode {
  readonly name: string;
  readonly userId: string;
  readonly code: string;
}

/** What a worker holds. */
export type FleetSetup =
  | {
      readonly kind: 'yhteispoyta';
      readonly serverUrl: string;
      readonly dir: string;
      readonly tuning: AgentTuning;
      /** per workspace its members, the first one its owner */
      readonly workspaces: readonly { readonly label: string; readonly members: readonly MemberCode[] }[];
    }
  | {
      readonly kind: 'baseline' | 'hocuspocus';
      readonly url: string;
      readonly rooms: readonly string[];
      readonly clients: number;
    };

/** Messages a parent sends. */
export type FleetCommand =
  | { readonly type: 'setup'; readonly setup: FleetSetup }
  | { readonly type: 'certified' }
  | { readonly type: 'warm'; readonly groups: number }
  | { readonly type: 'go'; readonly plan: WorkloadPlan; readonly profileFile?: string }
  | { readonly type: 'close' };

/** Messages a worker sends. */
export type FleetReport =
  | { readonly type: 'enrolled' }
  | { readonly type: 'ready' }
  | { readonly type: 'warmed' }
  | { readonly type: 'result'; readonly result: WorkloadResult }
  | { readonly type: 'closed'; readonly problems: number }
  | { readonly type: 'error'; readonly message: string };

function send(report: FleetReport): void {
  process.send?.(report);
}

class Worker {
  #groups: Y.Doc[][] = [];
  #agents: BenchAgent[] = [];
  #closers: (() => void)[] = [];
  #pendingWorkspaces: Extract<FleetSetup, { kind: 'yhteispoyta' }>['workspaces'] = [];

  async setup(setup: FleetSetup): Promise<void> {
    if (setup.kind === 'yhteispoyta') {
      this.#pendingWorkspaces = setup.workspaces;
      const members = setup.workspaces.flatMap((w) => w.members);
      this.#agents = await mapLimit(members, 3, (m) =>
        enrolAgent({ name: m.name, userId: m.userId, code: m.code, serverUrl: setup.serverUrl, profilesDir: join(setup.dir, m.name), tuning: setup.tuning }),
      );
      send({ type: 'enrolled' });
      return;
    }
    for (const room of setup.rooms) {
      const docs: Y.Doc[] = [];
      for (let c = 0; c < setup.clients; c++) {
        if (setup.kind === 'baseline') {
          const p: WebsocketProvider = provider(setup.url, room);
          await synced(p);
          this.#closers.push(() => {
            p.destroy();
            p.doc.destroy();
          });
          docs.push(p.doc);
        } else {
          const { provider: p, close } = hocuspocusProvider(setup.url, room);
          await hocuspocusSynced(p);
          this.#closers.push(close);
          docs.push(p.document);
        }
      }
      this.#groups.push(docs);
    }
    send({ type: 'ready' });
  }

  /** Agents only: once certified, form the workspaces and open each member's document. */
  async certified(): Promise<void> {
    await Promise.all(this.#agents.map(awaitCertified));
    const byName = new Map(this.#agents.map((a) => [a.name, a]));
    this.#groups = await mapLimit(this.#pendingWorkspaces, 2, async ({ label, members }) => {
      const agents = members.map((m) => byName.get(m.name) as BenchAgent);
      const [owner, ...others] = agents;
      if (owner === undefined) throw new Error('empty workspace');
      const workspaceId = await formWorkspace(owner, others, label);
      return Promise.all(agents.map((agent) => sessionOf(agent).parts.documents.open(workspaceId, 'doc:plan')));
    });
    send({ type: 'ready' });
  }

  /** how many of this worker's workspaces the next run replays */
  #running = 0;

  async warm(groups: number): Promise<void> {
    this.#running = groups;
    await warmUp(this.#groups.slice(0, groups));
    send({ type: 'warmed' });
  }

  #profiler: SelfProfiler | undefined;

  async go(plan: WorkloadPlan, profileFile: string | undefined): Promise<void> {
    const groups = this.#groups.slice(0, this.#running);
    if (profileFile === undefined) {
      send({ type: 'result', result: await runTypingWorkload(groups, plan) });
      return;
    }
    this.#profiler ??= new SelfProfiler();
    await this.#profiler.start();
    const result = await runTypingWorkload(groups, plan);
    await this.#profiler.stop(profileFile);
    send({ type: 'result', result });
  }

  async close(): Promise<void> {
    for (const close of this.#closers) close();
    const problems = problemCount(this.#agents);
    await closeAgents(this.#agents);
    send({ type: 'closed', problems });
  }
}

function main(): void {
  // Every stock WebsocketProvider in Node adds a process exit listener.
  process.setMaxListeners(0);
  const worker = new Worker();
  const fail = (error: unknown): void => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.on('message', (raw: unknown) => {
    const command = raw as FleetCommand;
    if (command.type === 'setup') worker.setup(command.setup).catch(fail);
    if (command.type === 'certified') worker.certified().catch(fail);
    if (command.type === 'warm') worker.warm(command.groups).catch(fail);
    if (command.type === 'go') worker.go(command.plan, command.profileFile).catch(fail);
    if (command.type === 'close') {
      worker.close().then(
        () => process.exit(0),
        (error: unknown) => {
          fail(error);
          process.exit(1);
        },
      );
    }
  });
  // The parent going away (a crashed bench) must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
}

main();
