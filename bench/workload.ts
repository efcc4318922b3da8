/**
 * The load generator and latency probe shared by every propagation run: it replays the
 * seeded typing traces on Y.Docs grouped by workspace and times, for every inserting
 * edit and every other client of its workspace, how long the edit took from the local
 * Yjs change to its arrival in that client's Y.Doc. It does not care what carries the
 * edits (agents' documents, stock WebsocketProviders on agents, or on the baseline relay).
 *
 * Arrival is read from Yjs itself: an edit of client c ends at clock k in c's state;
 * it has arrived in another document once that document's state for c reaches k.
 * Deletions do not advance a clock, so they are replayed but not timed.
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
  /** index of the first group among every process's groups: seeds follow the global index, so a split run replays the same traces */
  readonly firstGroup?: number;
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
  /** share of one core this process used during the run */
  readonly clientCpu: number;
}

/** The text every client edits. */
export const TEXT_NAME = 'plan';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sameStateVectors(docs: readonly Y.Doc[]): boolean {
  const first = docs[0];
  if (first === undefined) return true;
  const reference = Buffer.from(Y.encodeStateVector(first));
  return docs.every((doc) => Buffer.from(Y.encodeStateVector(doc)).equals(reference));
}

/** Wait until every group's documents hold the same state; throws after `timeoutMs`. */
async function awaitConvergence(groups: readonly (readonly Y.Doc[])[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!groups.every(sameStateVectors)) {
    if (Date.now() > deadline) throw new Error('documents did not converge in time');
    await sleep(50);
  }
}

/** Every client types one character and waits for the others: connections, keys and catch-up are warm before timing starts. */
export async function warmUp(groups: readonly (readonly Y.Doc[])[], timeoutMs = 120_000): Promise<void> {
  for (const group of groups) for (const doc of group) doc.transact(() => doc.getText(TEXT_NAME).insert(0, '·'), LOCAL_EDIT);
  await awaitConvergence(groups, timeoutMs);
}

interface Pending {
  readonly endClock: number;
  readonly sentAt: number;
}

interface Scheduled {
  readonly op: EditOp;
  readonly group: number;
  readonly client: number;
}

/** Replay one trace per client (seeded by group and client) and time every inserting edit's arrival. */
export async function runTypingWorkload(groups: readonly (readonly Y.Doc[])[], plan: WorkloadPlan): Promise<WorkloadResult> {
  const latencies: number[] = [];
  const late: number[] = [];
  // receiver doc → sender clientID → edits on their way, oldest first
  const pending = new Map<Y.Doc, Map<number, Pending[]>>();
  const cleanups: (() => void)[] = [];
  for (const group of groups) {
    for (const doc of group) {
      const bySender = new Map<number, Pending[]>();
      pending.set(doc, bySender);
      const onTransaction = (tr: Y.Transaction): void => {
        for (const [client, clock] of tr.afterState) {
          if (tr.beforeState.get(client) === clock) continue;
          const queue = bySender.get(client);
          if (queue === undefined) continue;
          const now = performance.now();
          while (queue.length > 0 && (queue[0] as Pending).endClock <= clock) latencies.push(now - (queue.shift() as Pending).sentAt);
        }
      };
      doc.on('afterTransaction', onTransaction);
      cleanups.push(() => doc.off('afterTransaction', onTransaction));
    }
  }
  const typists = groups.map((group) => group.map((doc) => new Typist(doc.getText(TEXT_NAME))));
  const schedule: Scheduled[] = [];
  groups.forEach((group, g) =>
    group.forEach((_doc, c) => {
      for (const op of typingTrace(plan.seed + (g + (plan.firstGroup ?? 0)) * 1000 + c, plan.durationMs)) schedule.push({ op, group: g, client: c });
    }),
  );
  schedule.sort((a, b) => a.op.at - b.op.at);

  let edits = 0;
  let insertedChars = 0;
  const run = ({ op, group, client }: Scheduled): void => {
    const docs = groups[group] ?? [];
    const doc = docs[client];
    const typist = typists[group]?.[client];
    if (doc === undefined || typist === undefined) return;
    const sentAt = performance.now();
    const inserted = typist.apply(op);
    edits += 1;
    if (inserted === 0) return;
    insertedChars += inserted;
    const endClock = Y.getState(doc.store, doc.clientID);
    for (const receiver of docs) {
      if (receiver === doc) continue;
      const bySender = pending.get(receiver);
      if (bySender === undefined) continue;
      let queue = bySender.get(doc.clientID);
      if (queue === undefined) bySender.set(doc.clientID, (queue = []));
      queue.push({ endClock, sentAt });
    }
  };

  const cpu0 = process.cpuUsage();
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
  const outstanding = (): number => [...pending.values()].reduce((sum, bySender) => sum + [...bySender.values()].reduce((s, q) => s + q.length, 0), 0);
  const drainDeadline = performance.now() + plan.drainMs;
  while (outstanding() > 0 && performance.now() < drainDeadline) await sleep(20);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const cleanup of cleanups) cleanup();
  late.sort((a, b) => a - b);
  return {
    latencies,
    edits,
    insertedChars,
    lost: outstanding(),
    lateness: late,
    generatorLateP99: late[Math.max(0, Math.ceil(late.length * 0.99) - 1)] ?? 0,
    clientCpu: (cpu.user + cpu.system) / 1000 / elapsed,
  };
}
