/**
 * The propagation runs' load generators: each system's clients spread over several
 * processes (fleet-worker.ts), a few workspaces each, so that the generator — which for
 * Yhteispöytä also runs every agent — is not what the many-workspace rows measure. A
 * workspace's clients stay in one process (latency is read from its own clock); every
 * process replays the traces of its workspaces by their global index, so a run replays
 * the same edits however it is split. Every system gets the same layout.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentTuning } from './agents';
import { cpuMeter } from './cpu';
import type { FleetCommand, FleetReport, FleetSetup, MemberCode } from './fleet-worker';
import { benchCode, certifyAll } from './organisation';
import type { BenchOrg } from './organisation';
import { REPO_ROOT } from './processes';
import type { MeasuredProcess } from './processes';
import type { PropagationRow } from './propagation';
import { percentile, summarize } from './stats';
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

  constructor(readonly workspaces: number) {
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

/** Pool the results of one run's processes into a row. */
function poolResults(opts: {
  readonly system: PropagationRow['system'];
  readonly workspaces: number;
  readonly clientsPerWorkspace: number;
  readonly processes: number;
  readonly results: readonly WorkloadResult[];
  readonly serverCpu: number;
  readonly serverCpuMs: number;
}): PropagationRow {
  const samples = opts.results.flatMap((r) => r.latencies);
  const lateness = opts.results.flatMap((r) => r.lateness);
  const edits = opts.results.reduce((sum, r) => sum + r.edits, 0);
  return {
    system: opts.system,
    setup: SETUP_LABEL[opts.system],
    workspaces: opts.workspaces,
    clientsPerWorkspace: opts.clientsPerWorkspace,
    generators: opts.processes,
    latency: summarize(samples),
    samples,
    edits,
    lost: opts.results.reduce((sum, r) => sum + r.lost, 0),
    generatorLateP50: percentile(lateness, 50),
    generatorLateP99: percentile(lateness, 99),
    clientCpu: opts.results.reduce((sum, r) => sum + r.clientCpu, 0),
    serverCpu: opts.serverCpu,
    serverCpuSPer1000: opts.serverCpuMs / Math.max(1, edits),
  };
}

/**
 * Start a fleet for `target` on the server `server`: `workspaces` workspaces of `clients`
 * each, `perProcess` workspaces per process. Resolves once every client is connected
 * (agents enrolled, certified and in their workspaces).
 */
export async function startFleet(opts: {
  readonly target: FleetTarget;
  readonly server: MeasuredProcess;
  readonly workspaces: number;
  readonly clients: number;
  readonly perProcess: number;
}): Promise<Fleet> {
  const { target, server, clients } = opts;
  const workers: WorkerProcess[] = [];
  for (let first = 0; first < opts.workspaces; first += opts.perProcess) workers.push(new WorkerProcess(Math.min(opts.perProcess, opts.workspaces - first)));
  const close = async (): Promise<number> => (await Promise.all(workers.map((w) => w.close()))).reduce((a, b) => a + b, 0);
  try {
    let first = 0;
    const setups: { worker: WorkerProcess; setup: FleetSetup; codeIds: string[] }[] = [];
    for (const worker of workers) {
      const indices = Array.from({ length: worker.workspaces }, (_, i) => first + i);
      first += worker.workspaces;
      if (target.system === 'yhteispoyta') {
        const codeIds: string[] = [];
        const workspaces = [];
        for (const w of indices) {
          const members: MemberCode[] = [];
          for (let c = 0; c < clients; c++) {
            const name = `f${w}-${c}`;
            const issued = await benchCode(target.org, `Bench ${name}`);
            codeIds.push(issued.codeId);
            members.push({ name, userId: issued.userId, code: issued.code });
          }
          workspaces.push({ label: `Bench ${w}`, members });
        }
        const dir = join(target.dir, `fleet-${indices[0] ?? 0}`);
        mkdirSync(dir, { recursive: true });
        setups.push({ worker, codeIds, setup: { kind: 'yhteispoyta', serverUrl: server.url, dir, tuning: target.tuning, workspaces } });
      } else {
        setups.push({ worker, codeIds: [], setup: { kind: target.system, url: server.url, rooms: indices.map((w) => `workspace-${w}`), clients } });
      }
    }
    if (target.system === 'yhteispoyta') {
      // One worker's agents enrol at a time (three at once, as startAgents does): every
      // worker enrolling at once timed out enrolment requests at a busy server.
      for (const { worker, setup, codeIds } of setups) {
        const enrolled = worker.next('enrolled');
        worker.send({ type: 'setup', setup });
        await enrolled;
        await certifyAll(target.org, codeIds);
        const ready = worker.next('ready');
        worker.send({ type: 'certified' });
        await ready;
      }
    } else {
      await Promise.all(
        setups.map(async ({ worker, setup }) => {
          const ready = worker.next('ready');
          worker.send({ type: 'setup', setup });
          await ready;
        }),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  return {
    processes: workers.length,
    run: async (workspaces, plan, profileFile) => {
      // The first workers hold the first workspaces; each replays its share under their global indices.
      const share: { worker: WorkerProcess; groups: number; firstGroup: number }[] = [];
      let firstGroup = 0;
      for (const worker of workers) {
        const groups = Math.min(worker.workspaces, workspaces - firstGroup);
        if (groups <= 0) break;
        share.push({ worker, groups, firstGroup });
        firstGroup += worker.workspaces;
      }
      await Promise.all(
        share.map(({ worker, groups }) => {
          const warmed = worker.next('warmed');
          worker.send({ type: 'warm', groups });
          return warmed;
        }),
      );
      const meter = cpuMeter(server.pid);
      const results = await Promise.all(
        share.map(async ({ worker, firstGroup: offset }, index) => {
          const result = worker.next('result');
          worker.send({ type: 'go', plan: { ...plan, firstGroup: offset }, ...(index === 0 && profileFile !== undefined ? { profileFile } : {}) });
          return (await result).result;
        }),
      );
      const cpu = meter.stop();
      return poolResults({ system: target.system, workspaces, clientsPerWorkspace: clients, processes: share.length, results, serverCpu: cpu.share, serverCpuMs: cpu.cpuMs });
    },
    close,
  };
}
