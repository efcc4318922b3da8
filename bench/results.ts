/**
 * Everything one bench run measured, as report.ts renders it, and the rules that turn
 * the tuning sweeps into recommended defaults.
 */
import type { ProfileSummary } from './cpu-profile';
import type { Environment } from './environment';
import type { HopTimes } from './hops';
import type { IdlePenalty } from './idle-penalty';
import type { MemoryRow } from './memory';
import type { BaselineOpen, HocuspocusOpen, OpenRow } from './open';
import type { PropagationRow } from './propagation';
import type { SignatureCheckCost } from './signature-check';
import type { BenchSizes } from './sizes';
import type { ThroughputResult } from './throughput';
import type { TransparencyResult } from './transparency';

/** One merge window tried. */
export interface SweepPoint {
  readonly mergeWindowMs: number;
  readonly row: PropagationRow;
  /** update envelopes the server stored per inserting-or-deleting edit */
  readonly envelopesPerEdit: number;
}

/** The results of one run. */
export interface BenchResults {
  readonly quick: boolean;
  readonly startedAt: string;
  readonly durationS: number;
  readonly sizes: BenchSizes;
  readonly environment: Environment;
  /** 1-minute load average when each phase started */
  readonly loads: readonly { readonly phase: string; readonly load: number }[];
  /** the agent defaults this run used for the propagation and open runs */
  readonly defaults: { readonly mergeWindowMs: number; readonly compactionThreshold: number };
  readonly commitMs: { readonly disk: number; readonly tmpfs: number };
  /** sealing one envelope back to back and after idle pauses (bench/idle-penalty.ts) */
  readonly idlePenalty: IdlePenalty;
  readonly propagation: readonly PropagationRow[];
  readonly hops: HopTimes;
  readonly sweep: readonly SweepPoint[];
  readonly throughput: readonly { readonly yp: ThroughputResult; readonly baseline: ThroughputResult }[];
  readonly throughputProfile: ProfileSummary | undefined;
  /** the server's required signature check, back to back, at each throughput payload (bench/signature-check.ts) */
  readonly signatureChecks: readonly SignatureCheckCost[];
  /** a further Yhteispöytä propagation run at the largest scale with its first generator process profiled */
  readonly generatorProfile: GeneratorProfile | undefined;
  readonly open: readonly OpenRow[];
  readonly baselineOpen: BaselineOpen;
  /** the same document's cold opens from Hocuspocus, and the bytes it stored */
  readonly hocuspocusOpen: HocuspocusOpen;
  readonly memory: { readonly yp: MemoryRow; readonly baseline: MemoryRow };
  /** what the transparency log's proofs cost an agent (no baseline) */
  readonly transparency: TransparencyResult;
  /** problems the in-process agents reported (verification failures, refusals, gaps) */
  readonly problems: number;
}

/** Where one load-generating process's CPU went (its agents), in a run kept out of the table. */
export interface GeneratorProfile {
  readonly workspaces: number;
  /** agents in the profiled process */
  readonly agents: number;
  /** that run's propagation p50 over every process, ms */
  readonly p50: number;
  readonly summary: ProfileSummary;
}

/**
 * The merge window to recommend: the largest one whose p50 latency is within 10 % (or
 * 2 ms) of the best p50 measured, since a longer window only pays off by merging edits
 * into fewer envelopes.
 */
export function recommendMergeWindow(sweep: readonly SweepPoint[]): SweepPoint | undefined {
  const best = Math.min(...sweep.map((p) => p.row.latency.p50));
  const fine = sweep.filter((p) => p.row.latency.p50 <= Math.max(best * 1.1, best + 2));
  return fine.sort((a, b) => b.mergeWindowMs - a.mergeWindowMs)[0];
}

/** Median of a row's cold opens. */
export function coldMedian(row: OpenRow): number {
  const sorted = [...row.coldOpenMs].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? Number.NaN;
}

/**
 * The compaction threshold to recommend: the largest one whose cold open is within 20 %
 * of the fastest measured. Cold open grows with the updates trailing the active snapshot;
 * a lower threshold seals more snapshots (CPU, upload, and history the server keeps), so
 * it is worth taking only while it still makes opening faster.
 */
export function recommendThreshold(rows: readonly OpenRow[]): OpenRow | undefined {
  const fastest = Math.min(...rows.map(coldMedian));
  const fine = rows.filter((r) => coldMedian(r) <= fastest * 1.2);
  return fine.sort((a, b) => b.threshold - a.threshold)[0];
}
