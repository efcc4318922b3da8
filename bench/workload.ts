/**
 * The load generator and latency probe shared by every propagation run: it replays the
 * seeded typing traces on Y.Docs grouped by workspace and times, for every inserting
 * edit and every other client of its workspace, how long the edit took from the local
 * Yjs change to its arrival in that client's Y.Doc. It does not care what carries the
 * edits (agents' documents, stock WebsocketProviders on agents, or on the baseline relay).
 *
 * Arrival is read from Yjs itself: an edit of client c ends at clock k in c's state;
 * it has arrived in another document once that document's state for c reaches k.
 * Deletions do not advance a clock, so they are replayed but not timed. A workspace's
 * clients may live in different processes (fleet.ts): each process records its edits and
 * its documents' arrivals on the machine's monotonic clock, and the runner joins them.
 */
import * as Y from 'yjs';
import { LOCAL_EDIT } from '@yhteispoyta/agent/sync/doc-origin';
import { Typist } from './edit-apply';
import { typingTrace } from './traces';
import type { EditOp } from './traces';

/** What one run replays. */
export interface WorkloadPlan {
  readonly durationMs: number;
  readonly seed: number;
  /** after the last edit, how long to wait for stragglers before counting them lost */
  readonly drainMs: number;
}

/** What one run measured. */
export interface WorkloadResult {
  /** ms from local change to arrival, one sample per (inserting edit, receiving client) */
  readonly latencies: number[];
  readonly edits: number;
  readonly insertedChars: number;
  /** (edit, receiver) pairs still missing after the drain */
  readonly lost: number;
  /** how late the generator ran each scheduled edit (ms): high values mean this process was saturated */
  readonly lateness: number[];
  /** p99 of `lateness` */
  readonly generatorLateP99: number;
  /** share of one core the generating processes used (summed over them) */
  readonly clientCpu: number;
}

/** The text every client edits. */
export const TEXT_NAME = 'plan';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * ms on the machine's monotonic clock (CLOCK_MONOTONIC, which every process of the
 * machine reads alike): an edit timed in one process and its arrival in another are
 * on the same clock.
 */
export function machineNow(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** One client of a run: its document, its workspace (by global index) and its place in it. */
export interface PlacedDoc {
  readonly doc: Y.Doc;
  readonly group: number;
  readonly client: number;
}

/** An inserting edit: its author (place and Yjs client id) and the clock it ended at, made at `at` (machineNow). */
export interface EditMade {
  readonly group: number;
  readonly client: number;
  readonly author: number;
  readonly endClock: number;
  readonly at: number;
}

/** A receiver's document reached `clock` of `author` at `at` (machineNow). */
export interface Arrival {
  readonly group: number;
  readonly client: number;
  readonly author: number;
  readonly clock: number;
  readonly at: number;
}

/** A client's position in its workspace's documents: its Yjs client id and clock. */
export interface ClockTarget {
  readonly group: number;
  readonly author: number;
  readonly clock: number;
}

/** What one process's part of a run recorded; the runner joins every process's parts. */
export interface ReplayReport {
  readonly edits: readonly EditMade[];
  readonly arrivals: readonly Arrival[];
  /** edits replayed, deletions included */
  readonly editCount: number;
  readonly insertedChars: number;
  readonly lateness: readonly number[];
  readonly clientCpu: number;
}

/** Each document's own position: what every other document of its workspace must reach. */
export function ownClocks(clients: readonly PlacedDoc[]): ClockTarget[] {
  return clients.map(({ doc, group }) => ({ group, author: doc.clientID, clock: Y.getState(doc.store, doc.clientID) }));
}

/** Record every advance of another client's clock in these documents until `stop`. */
export function recordArrivals(clients: readonly PlacedDoc[]): { readonly arrivals: Arrival[]; stop(): void } {
  const arrivals: Arrival[] = [];
  const cleanups = clients.map(({ doc, group, client }) => {
    const onTransaction = (tr: Y.Transaction): void => {
      let at: number | undefined;
      for (const [author, clock] of tr.afterState) {
        if (author === doc.clientID || tr.beforeState.get(author) === clock) continue;
        at ??= machineNow();
        arrivals.push({ group, client, author, clock, at });
      }
    };
    doc.on('afterTransaction', onTransaction);
    return () => doc.off('afterTransaction', onTransaction);
  });
  return { arrivals, stop: () => cleanups.forEach((cleanup) => cleanup()) };
}

/** Whether every document holds every target of its workspace (its own position aside). */
function reached(clients: readonly PlacedDoc[], targets: readonly ClockTarget[]): boolean {
  return clients.every(({ doc, group }) =>
    targets.every((t) => t.group !== group || t.author === doc.clientID || Y.getState(doc.store, t.author) >= t.clock),
  );
}

/** Wait until every document holds every target of its workspace; false once `timeoutMs` passed first. */
export async function awaitClocks(clients: readonly PlacedDoc[], targets: readonly ClockTarget[], timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!reached(clients, targets)) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Every client types one character (connections, keys and catch-up warm); returns where each ended. */
export function typeWarmUp(clients: readonly PlacedDoc[]): ClockTarget[] {
  for (const { doc } of clients) doc.transact(() => doc.getText(TEXT_NAME).insert(0, '·'), LOCAL_EDIT);
  return ownClocks(clients);
}

/** Every client types one character and waits for the others: connections, keys and catch-up are warm before timing starts. */
export async function warmUp(groups: readonly (readonly Y.Doc[])[], timeoutMs = 120_000): Promise<void> {
  const clients = placeGroups(groups);
  if (!(await awaitClocks(clients, typeWarmUp(clients), timeoutMs))) throw new Error('documents did not converge in time');
}

interface Scheduled {
  readonly op: EditOp;
  readonly placed: PlacedDoc;
}

/**
 * Replay the seeded trace of each of these clients (seeded by its workspace's global
 * index and its place, so a run split over processes replays the same edits) and record
 * every inserting edit; returns once the last edit was made.
 */
export async function replayTraces(clients: readonly PlacedDoc[], plan: WorkloadPlan): Promise<Omit<ReplayReport, 'arrivals' | 'clientCpu'>> {
  const edits: EditMade[] = [];
  const late: number[] = [];
  const typists = new Map(clients.map((placed) => [placed, new Typist(placed.doc.getText(TEXT_NAME))]));
  const schedule: Scheduled[] = [];
  for (const placed of clients) {
    for (const op of typingTrace(plan.seed + placed.group * 1000 + placed.client, plan.durationMs)) schedule.push({ op, placed });
  }
  schedule.sort((a, b) => a.op.at - b.op.at);

  let editCount = 0;
  let insertedChars = 0;
  const run = ({ op, placed }: Scheduled): void => {
    const typist = typists.get(placed);
    if (typist === undefined) return;
    const at = machineNow();
    const inserted = typist.apply(op);
    editCount += 1;
    if (inserted === 0) return;
    insertedChars += inserted;
    const { doc, group, client } = placed;
    edits.push({ group, client, author: doc.clientID, endClock: Y.getState(doc.store, doc.clientID), at });
  };

  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now() - t0;
      while (next < schedule.length && (schedule[next] as Scheduled).op.at <= now) {
        const item = schedule[next++] as Scheduled;
        late.push(now - item.op.at);
        run(item);
      }
      const upcoming = schedule[next];
      if (upcoming === undefined) resolve();
      else setTimeout(tick, Math.max(0, upcoming.op.at - (performance.now() - t0)));
    };
    tick();
  });
  return { edits, editCount, insertedChars, lateness: late };
}

/**
 * Latency of every (inserting edit, other client of its workspace) pair: from the edit
 * to the first arrival at that client of a clock at or past the edit's end. `members`
 * lists each workspace's clients by place; a pair without such an arrival is lost.
 */
export function joinArrivals(
  edits: readonly EditMade[],
  arrivals: readonly Arrival[],
  members: ReadonlyMap<number, readonly number[]>,
): { latencies: number[]; lost: number } {
  // (workspace, receiver, author) → arrivals in the receiver's order, so clocks rise
  const byPair = new Map<string, Arrival[]>();
  for (const arrival of arrivals) {
    const key = `${arrival.group}:${arrival.client}:${arrival.author}`;
    const list = byPair.get(key);
    if (list === undefined) byPair.set(key, [arrival]);
    else list.push(arrival);
  }
  const latencies: number[] = [];
  let lost = 0;
  for (const edit of edits) {
    for (const receiver of members.get(edit.group) ?? []) {
      if (receiver === edit.client) continue;
      const list = byPair.get(`${edit.group}:${receiver}:${edit.author}`) ?? [];
      // the first arrival whose clock reaches the edit's end
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((list[mid] as Arrival).clock >= edit.endClock) hi = mid;
        else lo = mid + 1;
      }
      const arrival = list[lo];
      if (arrival === undefined) lost += 1;
      else latencies.push(arrival.at - edit.at);
    }
  }
  return { latencies, lost };
}

/** Each workspace's clients by place. */
export function membersOf(clients: readonly { readonly group: number; readonly client: number }[]): Map<number, number[]> {
  const members = new Map<number, number[]>();
  for (const { group, client } of clients) members.set(group, [...(members.get(group) ?? []), client]);
  return members;
}

/** Pool the reports of every process of one run. */
export function poolReports(reports: readonly ReplayReport[], members: ReadonlyMap<number, readonly number[]>): WorkloadResult {
  const { latencies, lost } = joinArrivals(
    reports.flatMap((r) => r.edits),
    reports.flatMap((r) => r.arrivals),
    members,
  );
  const late = reports.flatMap((r) => r.lateness).sort((a, b) => a - b);
  return {
    latencies,
    edits: reports.reduce((sum, r) => sum + r.editCount, 0),
    insertedChars: reports.reduce((sum, r) => sum + r.insertedChars, 0),
    lost,
    lateness: late,
    generatorLateP99: late[Math.max(0, Math.ceil(late.length * 0.99) - 1)] ?? 0,
    clientCpu: reports.reduce((sum, r) => sum + r.clientCpu, 0),
  };
}

/** The clients of `groups` by place (workspace = index in `groups`). */
function placeGroups(groups: readonly (readonly Y.Doc[])[]): PlacedDoc[] {
  return groups.flatMap((docs, group) => docs.map((doc, client) => ({ doc, group, client })));
}

/**
 * This process's part of a run: record arrivals, replay these clients' traces, and stop
 * recording once `drained` resolves (it receives every client's final position).
 */
export async function replayPart(
  clients: readonly PlacedDoc[],
  plan: WorkloadPlan,
  drained: (ownEnds: ClockTarget[]) => Promise<void>,
): Promise<ReplayReport> {
  const recorder = recordArrivals(clients);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const replay = await replayTraces(clients, plan);
    await drained(ownClocks(clients));
    const cpu = process.cpuUsage(cpu0);
    return { ...replay, arrivals: recorder.arrivals, clientCpu: (cpu.user + cpu.system) / 1000 / (performance.now() - t0) };
  } finally {
    recorder.stop();
  }
}

/** Replay one trace per client of `groups` in this process and time every inserting edit's arrival. */
export async function runTypingWorkload(groups: readonly (readonly Y.Doc[])[], plan: WorkloadPlan): Promise<WorkloadResult> {
  const clients = placeGroups(groups);
  const report = await replayPart(clients, plan, async (ends) => {
    await awaitClocks(clients, ends, plan.drainMs);
  });
  return poolReports([report], membersOf(clients));
}
