/**
 * One load-generating process of a fleet (fleet.ts forks several, so that no single
 * process replays every client's edits): it holds some clients — in-process Yhteispöytä
 * agents, stock WebsocketProviders on the stock relay, or HocuspocusProviders on
 * Hocuspocus — each placed in a workspace (by global index) of which the other clients
 * may live in other processes; it replays their seeded traces when told and answers with
 * its edits and its documents' arrivals on the machine's clock, which the parent joins.
 *
 *   parent → { type: 'setup', setup }       child → { type: 'enrolled' } (agents: enrolled, not yet certified) then { type: 'ready' }
 *   parent → { type: 'certified' }          (agents only: the parent's admin tool has certified them) child → { type: 'ready' }
 *   parent → { type: 'form', workspaces }   (agents only: this process holds their owners) child → { type: 'formed', ids }
 *   parent → { type: 'open', ids }          (agents only) child → { type: 'opened' } once every member here holds its key and document
 *   parent → { type: 'warm', groups }       child → { type: 'typed', ends }: its clients of the first `groups` workspaces typed one character
 *   parent → { type: 'reach', targets, timeoutMs }  child → { type: 'reached', ok } once its documents hold every target of their workspace
 *   parent → { type: 'go', plan, groups, profileFile? }  child → { type: 'replayed', ends } after replaying its clients' traces;
 *   parent → { type: 'drain', targets }     child → { type: 'result', report } once its documents hold the targets or the plan's drain passed
 *                                         (with `profileFile`, replay and drain are CPU-profiled into that file)
 *   parent → { type: 'close' }              child → { type: 'closed', problems } and exits
 *   child → { type: 'error', message } on any failure
 */
import { join } from 'node:path';
import type { WebsocketProvider } from 'y-websocket';
import { hocuspocusProvider, hocuspocusSynced } from './hocuspocus-client';
import { awaitCertified, awaitWorkspaceKey, closeAgents, createWorkspace, enrolAgent, problemCount, sessionOf } from './agents';
import type { AgentTuning, BenchAgent } from './agents';
import { mapLimit } from './light-device';
import { provider, synced } from './propagation';
import { SelfProfiler } from './self-profile';
import { awaitClocks, replayPart, typeWarmUp } from './workload';
import type { ClockTarget, PlacedDoc, ReplayReport, WorkloadPlan } from './workload';

/** A client's place: its workspace (global index) and its index in the workspace. */
export interface Place {
  readonly group: number;
  readonly client: number;
}

/** One member agent to enrol with a code the parent issued, and its place. */
export interface MemberCode extends Place {
  readonly name: string;
  readonly userId: string;
  readonly code: string;
}

/** A workspace this process's owner agent forms. */
export interface WorkspaceToForm {
  readonly group: number;
  readonly label: string;
  readonly memberUserIds: readonly string[];
}

/** A formed workspace. */
export interface FormedWorkspace {
  readonly group: number;
  readonly workspaceId: string;
}

/** What a worker holds. */
export type FleetSetup =
  | {
      readonly kind: 'yhteispoyta';
      readonly serverUrl: string;
      readonly dir: string;
      readonly tuning: AgentTuning;
      readonly members: readonly MemberCode[];
    }
  | {
      readonly kind: 'baseline' | 'hocuspocus';
      readonly url: string;
      readonly clients: readonly Place[];
    };

/** Messages a parent sends. */
export type FleetCommand =
  | { readonly type: 'setup'; readonly setup: FleetSetup }
  | { readonly type: 'certified' }
  | { readonly type: 'form'; readonly workspaces: readonly WorkspaceToForm[] }
  | { readonly type: 'open'; readonly ids: readonly FormedWorkspace[] }
  | { readonly type: 'warm'; readonly groups: number }
  | { readonly type: 'reach'; readonly targets: readonly ClockTarget[]; readonly timeoutMs: number }
  | { readonly type: 'go'; readonly plan: WorkloadPlan; readonly groups: number; readonly profileFile?: string }
  | { readonly type: 'drain'; readonly targets: readonly ClockTarget[] }
  | { readonly type: 'close' };

/** Messages a worker sends. */
export type FleetReport =
  | { readonly type: 'enrolled' }
  | { readonly type: 'ready' }
  | { readonly type: 'formed'; readonly ids: readonly FormedWorkspace[] }
  | { readonly type: 'opened' }
  | { readonly type: 'typed'; readonly ends: readonly ClockTarget[] }
  | { readonly type: 'reached'; readonly ok: boolean }
  | { readonly type: 'replayed'; readonly ends: readonly ClockTarget[] }
  | { readonly type: 'result'; readonly report: ReplayReport }
  | { readonly type: 'closed'; readonly problems: number }
  | { readonly type: 'error'; readonly message: string };

function send(report: FleetReport): void {
  process.send?.(report);
}

const placeKey = ({ group, client }: Place): string => `${group}:${client}`;

class Worker {
  /** every client here, in order of workspace and place */
  #clients: PlacedDoc[] = [];
  #agents = new Map<string, BenchAgent>();
  #closers: (() => void)[] = [];
  /** a run waiting for its drain targets */
  #drainTargets: ((targets: readonly ClockTarget[]) => void) | undefined;

  #place(placed: PlacedDoc[]): void {
    this.#clients = placed.sort((a, b) => a.group - b.group || a.client - b.client);
  }

  async setup(setup: FleetSetup): Promise<void> {
    if (setup.kind === 'yhteispoyta') {
      const agents = await mapLimit(setup.members, 3, async (m) => {
        const agent = await enrolAgent({ name: m.name, userId: m.userId, code: m.code, serverUrl: setup.serverUrl, profilesDir: join(setup.dir, m.name), tuning: setup.tuning });
        return [placeKey(m), agent] as const;
      });
      this.#agents = new Map(agents);
      send({ type: 'enrolled' });
      return;
    }
    const placed: PlacedDoc[] = [];
    for (const place of setup.clients) {
      const room = `workspace-${place.group}`;
      if (setup.kind === 'baseline') {
        const p: WebsocketProvider = provider(setup.url, room);
        await synced(p);
        this.#closers.push(() => {
          p.destroy();
          p.doc.destroy();
        });
        placed.push({ doc: p.doc, ...place });
      } else {
        const { provider: p, close } = hocuspocusProvider(setup.url, room);
        await hocuspocusSynced(p);
        this.#closers.push(close);
        placed.push({ doc: p.document, ...place });
      }
    }
    this.#place(placed);
    send({ type: 'ready' });
  }

  #agent(place: Place): BenchAgent {
    const agent = this.#agents.get(placeKey(place));
    if (agent === undefined) throw new Error(`no agent here for workspace ${place.group}, client ${place.client}`);
    return agent;
  }

  /** Agents only: resolves once every agent here knows itself certified. */
  async certified(): Promise<void> {
    await Promise.all([...this.#agents.values()].map(awaitCertified));
    send({ type: 'ready' });
  }

  /** Agents only: each workspace's owner (place 0, here) creates it and adds its members. */
  async form(workspaces: readonly WorkspaceToForm[]): Promise<void> {
    const ids = await mapLimit(workspaces, 2, async ({ group, label, memberUserIds }) => ({
      group,
      workspaceId: await createWorkspace(this.#agent({ group, client: 0 }), memberUserIds, label),
    }));
    send({ type: 'formed', ids });
  }

  /** Agents only: every agent here opens its workspace's document once it holds the key. */
  async open(ids: readonly FormedWorkspace[]): Promise<void> {
    const workspaceOf = new Map(ids.map(({ group, workspaceId }) => [group, workspaceId]));
    const places = [...this.#agents.keys()].map((key) => {
      const [group, client] = key.split(':').map(Number) as [number, number];
      return { group, client };
    });
    const placed = await mapLimit(places, 4, async (place) => {
      const workspaceId = workspaceOf.get(place.group);
      if (workspaceId === undefined) throw new Error(`workspace ${place.group} was not formed`);
      const agent = this.#agent(place);
      if (place.client !== 0) await awaitWorkspaceKey(agent, workspaceId);
      return { doc: await sessionOf(agent).parts.documents.open(workspaceId, 'doc:plan'), ...place };
    });
    this.#place(placed);
    send({ type: 'opened' });
  }

  #of(groups: number): PlacedDoc[] {
    return this.#clients.filter((c) => c.group < groups);
  }

  warm(groups: number): void {
    send({ type: 'typed', ends: typeWarmUp(this.#of(groups)) });
  }

  async reach(targets: readonly ClockTarget[], timeoutMs: number): Promise<void> {
    send({ type: 'reached', ok: await awaitClocks(this.#clients, targets, timeoutMs) });
  }

  #profiler: SelfProfiler | undefined;

  async go(plan: WorkloadPlan, groups: number, profileFile: string | undefined): Promise<void> {
    const clients = this.#of(groups);
    if (profileFile !== undefined) {
      this.#profiler ??= new SelfProfiler();
      await this.#profiler.start();
    }
    const report = await replayPart(clients, plan, async (ends) => {
      const targets = new Promise<readonly ClockTarget[]>((resolve) => (this.#drainTargets = resolve));
      send({ type: 'replayed', ends });
      await awaitClocks(clients, await targets, plan.drainMs);
    });
    if (profileFile !== undefined) await this.#profiler?.stop(profileFile);
    send({ type: 'result', report });
  }

  drain(targets: readonly ClockTarget[]): void {
    const resolve = this.#drainTargets;
    this.#drainTargets = undefined;
    if (resolve === undefined) throw new Error('no run is waiting for its drain');
    resolve(targets);
  }

  async close(): Promise<void> {
    for (const close of this.#closers) close();
    const agents = [...this.#agents.values()];
    const problems = problemCount(agents);
    await closeAgents(agents);
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
    try {
      if (command.type === 'setup') worker.setup(command.setup).catch(fail);
      if (command.type === 'certified') worker.certified().catch(fail);
      if (command.type === 'form') worker.form(command.workspaces).catch(fail);
      if (command.type === 'open') worker.open(command.ids).catch(fail);
      if (command.type === 'warm') worker.warm(command.groups);
      if (command.type === 'reach') worker.reach(command.targets, command.timeoutMs).catch(fail);
      if (command.type === 'go') worker.go(command.plan, command.groups, command.profileFile).catch(fail);
      if (command.type === 'drain') worker.drain(command.targets);
    } catch (error) {
      fail(error);
    }
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
