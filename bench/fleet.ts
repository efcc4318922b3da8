/**
 * The propagation runs' load generators: each system's clients spread over several
 * processes (fleet-worker.ts), so that the generator — which for Yhteispöytä also runs
 * every agent — is not what the many-workspace rows measure. A workspace's clients live
 * in different processes, as on their users' separate devices: the receivers of an edit
 * do not queue behind each other in one process (client c of workspace w runs in process
 * (w × clients + c) mod processes). Every process replays the traces of its clients by
 * their workspace's global index and place, so a run replays the same edits however it is
 * split; edits and arrivals are timed on the machine's monotonic clock and joined here.
 * Every system gets the same layout.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentTuning } from './agents';
import { cpuMeter } from './cpu';
import type { FleetCommand, FleetReport, FleetSetup, FormedWorkspace, MemberCode, Place, WorkspaceToForm } from './fleet-worker';
import { benchCode, certifyAll } from './organisation';
import type { BenchOrg } from './organisation';
import { REPO_ROOT } from './processes';
import type { MeasuredProcess } from './processes';
import type { PropagationRow } from './propagation';
import { percentile, summarize } from './stats';
import { membersOf, poolReports } from './workload';
import type { WorkloadPlan, WorkloadResult } from './workload';

/** Which system a fleet drives, and what it needs to reach it. */
export type FleetTarget =
  | { readonly system: 'yhteispoyta'; readonly org: BenchOrg; readonly dir: string; readonly tuning: AgentTuning }
  | { readonly system: 'baseline' | 'hocuspocus' };

/** A started fleet. */
export interface Fleet {
  readonly processes: number;
  /**
   * replay `plan` on the first `workspaces` workspaces (each process warms up its share
   * first); with `profileFile`, the first process's replay is CPU-profiled into that file
   */
  run(workspaces: number, plan: WorkloadPlan, profileFile?: string): Promise<PropagationRow>;
  /** stop every process; resolves with the problems their agents reported */
  close(): Promise<number>;
}

const SETUP_LABEL: Record<PropagationRow['system'], string> = {
  yhteispoyta: 'in-process agents',
  baseline: 'WebsocketProvider clients',
  hocuspocus: 'HocuspocusProvider clients',
};

/** One forked worker with a queue of its reports. */
class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #waiting: { type: FleetReport['type']; resolve: (r: FleetReport) => void; reject: (e: Error) => void }[] = [];
  #output = '';
  #failure: Error | undefined;

  /** the clients this process holds */
  constructor(readonly places: readonly Place[]) {
    this.#child = fork(resolve(REPO_ROOT, 'bench', 'fleet-worker.ts'), [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const keep = (chunk: Buffer) => (this.#output = (this.#output + chunk.toString()).slice(-4000));
    this.#child.stdout?.on('data', keep);
    this.#child.stderr?.on('data', keep);
    this.#child.on('message', (raw: unknown) => {
      const report = raw as FleetReport;
      if (report.type === 'error') return this.#fail(new Error(`fleet worker: ${report.message}`));
      const index = this.#waiting.findIndex((w) => w.type === report.type);
      const [waiter] = index < 0 ? [] : this.#waiting.splice(index, 1);
      waiter?.resolve(report);
    });
    this.#child.on('exit', (code) => this.#fail(new Error(`fleet worker exited (${code}):\n${this.#output}`)));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  send(command: FleetCommand): void {
    this.#child.send(command);
  }

  /** The next report of `type`. */
  next<T extends FleetReport['type']>(type: T): Promise<Extract<FleetReport, { type: T }>> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolveReport, reject) => this.#waiting.push({ type, resolve: resolveReport as (r: FleetReport) => void, reject }));
  }

  async close(): Promise<number> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return 0;
    const closed = this.next('closed').then((r) => r.problems, () => 0);
    this.send({ type: 'close' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 60_000);
    const problems = await closed;
    clearTimeout(timer);
    return problems;
  }
}

/** One run's pooled result as a row. */
function rowOf(opts: {
  readonly system: PropagationRow['system'];
  readonly workspaces: number;
  readonly clientsPerWorkspace: number;
  readonly processes: number;
  readonly result: WorkloadResult;
  readonly serverCpu: number;
  readonly serverCpuMs: number;
}): PropagationRow {
  const { result } = opts;
  return {
    system: opts.system,
    setup: SETUP_LABEL[opts.system],
    workspaces: opts.workspaces,
    clientsPerWorkspace: opts.clientsPerWorkspace,
    generators: opts.processes,
    latency: summarize(result.latencies),
    samples: result.latencies,
    edits: result.edits,
    lost: result.lost,
    generatorLateP50: percentile(result.lateness, 50),
    generatorLateP99: result.generatorLateP99,
    clientCpu: result.clientCpu,
    serverCpu: opts.serverCpu,
    serverCpuSPer1000: opts.serverCpuMs / Math.max(1, result.edits),
  };
}

/** Which process holds each client: client c of workspace w in process (w × clients + c) mod processes. */
export function placeClients(workspaces: number, clients: number, processes: number): Place[][] {
  const places: Place[][] = Array.from({ length: processes }, () => []);
  for (let group = 0; group < workspaces; group++) {
    for (let client = 0; client < clients; client++) places[(group * clients + client) % processes]?.push({ group, client });
  }
  return places;
}

/** Ask each of `workers` with `command` and collect its report of `type`. */
function askAll<T extends FleetReport['type']>(workers: readonly WorkerProcess[], type: T, command: (worker: WorkerProcess, index: number) => FleetCommand): Promise<Extract<FleetReport, { type: T }>[]> {
  return Promise.all(
    workers.map((worker, index) => {
      const report = worker.next(type);
      worker.send(command(worker, index));
      return report;
    }),
  );
}

/**
 * Start a fleet for `target` on the server `server`: `workspaces` workspaces of `clients`
 * each, over one process per `perProcess` workspaces (placeClients). Resolves once every
 * client is connected (agents enrolled, certified, in their workspaces and holding their
 * documents).
 */
export async function startFleet(opts: {
  readonly target: FleetTarget;
  readonly server: MeasuredProcess;
  readonly workspaces: number;
  readonly clients: number;
  readonly perProcess: number;
}): Promise<Fleet> {
  const { target, server, clients } = opts;
  const processes = Math.max(1, Math.ceil(opts.workspaces / opts.perProcess));
  const workers = placeClients(opts.workspaces, clients, processes).map((places) => new WorkerProcess(places));
  const close = async (): Promise<number> => (await Promise.all(workers.map((w) => w.close()))).reduce((a, b) => a + b, 0);
  try {
    if (target.system === 'yhteispoyta') await joinAgents(target, server, workers, opts.workspaces, clients);
    else await askAll(workers, 'ready', (worker) => ({ type: 'setup', setup: { kind: target.system, url: server.url, clients: worker.places } }));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    processes: workers.length,
    run: async (workspaces, plan, profileFile) => {
      // Every process holding a client of the first `workspaces` workspaces takes part.
      const active = workers.filter((worker) => worker.places.some((place) => place.group < workspaces));
      const typed = await askAll(active, 'typed', () => ({ type: 'warm', groups: workspaces }));
      const warmEnds = typed.flatMap((report) => report.ends);
      const warmed = await askAll(active, 'reached', () => ({ type: 'reach', targets: warmEnds, timeoutMs: 120_000 }));
      if (!warmed.every((report) => report.ok)) throw new Error('documents did not converge in time');
      const meter = cpuMeter(server.pid);
      const replayed = await askAll(active, 'replayed', (_worker, index) => ({
        type: 'go',
        plan,
        groups: workspaces,
        ...(index === 0 && profileFile !== undefined ? { profileFile } : {}),
      }));
      const ends = replayed.flatMap((report) => report.ends);
      const results = await askAll(active, 'result', () => ({ type: 'drain', targets: ends }));
      const cpu = meter.stop();
      const members = membersOf(active.flatMap((worker) => worker.places.filter((place) => place.group < workspaces)));
      const result = poolReports(
        results.map((r) => r.report),
        members,
      );
      return rowOf({ system: target.system, workspaces, clientsPerWorkspace: clients, processes: active.length, result, serverCpu: cpu.share, serverCpuMs: cpu.cpuMs });
    },
    close,
  };
}

/**
 * Agents: every process enrols its agents with codes of the organisation's admin tool,
 * which certifies them; each workspace's owner (place 0) forms it, and every member opens
 * its document once it holds the key.
 */
async function joinAgents(
  target: Extract<FleetTarget, { system: 'yhteispoyta' }>,
  server: MeasuredProcess,
  workers: readonly WorkerProcess[],
  workspaces: number,
  clients: number,
): Promise<void> {
  const userIds = new Map<string, string>();
  const userIdOf = (group: number, client: number): string => {
    const userId = userIds.get(`${group}:${client}`);
    if (userId === undefined) throw new Error(`no member was issued a code for workspace ${group}, client ${client}`);
    return userId;
  };
  // One worker's agents enrol at a time (three at once, as startAgents does): every
  // worker enrolling at once timed out enrolment requests at a busy server.
  for (const [index, worker] of workers.entries()) {
    const codeIds: string[] = [];
    const members: MemberCode[] = [];
    for (const place of worker.places) {
      const name = `f${place.group}-${place.client}`;
      const issued = await benchCode(target.org, `Bench ${name}`);
      codeIds.push(issued.codeId);
      userIds.set(`${place.group}:${place.client}`, issued.userId);
      members.push({ ...place, name, userId: issued.userId, code: issued.code });
    }
    const dir = join(target.dir, `fleet-${index}`);
    mkdirSync(dir, { recursive: true });
    const setup: FleetSetup = { kind: 'yhteispoyta', serverUrl: server.url, dir, tuning: target.tuning, members };
    await askAll([worker], 'enrolled', () => ({ type: 'setup', setup }));
    await certifyAll(target.org, codeIds);
    await askAll([worker], 'ready', () => ({ type: 'certified' }));
  }
  const ids: FormedWorkspace[] = [];
  for (const worker of workers) {
    const owned: WorkspaceToForm[] = worker.places
      .filter((place) => place.client === 0)
      .map(({ group }) => ({
        group,
        label: `Bench ${group}`,
        memberUserIds: Array.from({ length: clients - 1 }, (_, i) => userIdOf(group, i + 1)),
      }));
    if (owned.length > 0) ids.push(...(await askAll([worker], 'formed', () => ({ type: 'form', workspaces: owned })))[0]?.ids ?? []);
  }
  if (ids.length !== workspaces) throw new Error(`${ids.length} of ${workspaces} workspaces formed`);
  await askAll(workers, 'opened', () => ({ type: 'open', ids }));
}
