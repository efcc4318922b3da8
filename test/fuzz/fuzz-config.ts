/**
 * The knobs of the fuzz runs, read from the environment: `npm test` runs a reduced count
 * with a fixed seed; `STRESS=1` runs the full count with a fresh seed (printed, and
 * written with every failure). FUZZ_COUNT and FUZZ_SEED override either.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { FuzzFailure } from './fuzz-run';

/** Cases of a run under `npm test`. */
const DEFAULT_FUZZ_COUNT = 5_000;
/** Cases of a run under `STRESS=1`. */
const STRESS_FUZZ_COUNT = 100_000;
/** The seed of `npm test` runs: fixed, so a plain test run is reproducible. */
const DEFAULT_FUZZ_SEED = 0x59_48_54_45;

/** Largest resident memory the server may reach during a run (its V8 heap is capped at FUZZ_SERVER_HEAP_MB). */
export const RSS_CEILING_BYTES = 512 * 1024 * 1024;
/**
 * How much the median memory of the last fifth of a run may exceed that of the second
 * fifth (after warm-up): more means it grows with the number of requests, i.e. a leak.
 */
export const RSS_GROWTH_ALLOWANCE_BYTES = 96 * 1024 * 1024;

/** Whether the stress (full) variant runs. */
export function stressMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.STRESS === '1' || env.STRESS === 'true';
}

function intFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = z.coerce.number().int().min(0).safeParse(value);
  if (!parsed.success) throw new Error(`not a non-negative integer: ${value}`);
  return parsed.data;
}

/** The case count of this run. */
export function fuzzCount(env: NodeJS.ProcessEnv = process.env): number {
  return intFromEnv(env.FUZZ_COUNT) ?? (stressMode(env) ? STRESS_FUZZ_COUNT : DEFAULT_FUZZ_COUNT);
}

/** The run seed: FUZZ_SEED, else fixed for `npm test` and fresh for stress runs. */
export function fuzzSeed(env: NodeJS.ProcessEnv = process.env): number {
  return intFromEnv(env.FUZZ_SEED) ?? (stressMode(env) ? (Date.now() ^ (process.pid << 16)) >>> 0 : DEFAULT_FUZZ_SEED);
}

/** A failing case kept forever: its seed regenerates it. */
export const regressionSchema = z.strictObject({
  seed: z.int().min(0).max(0xffff_ffff),
  /** the route generation (rest-cases.ts ROUTE_GENERATIONS) the seed was found with: it regenerates the same case */
  generation: z.int().min(1),
  transport: z.enum(['rest', 'socket', 'handshake', 'raw']),
  note: z.string(),
  problem: z.string(),
  /**
   * Seeds of cases the same worker ran just before this one, on the same sockets, when the
   * failure needed them (a drop caused by an earlier case landing in this one)
   */
  precededBy: z.array(z.int().min(0).max(0xffff_ffff)).optional(),
  /** ISO date the case was found */
  found: z.string(),
  /** what was fixed, once it is */
  fixed: z.string().optional(),
});
/** One entry of regressions.json. */
export type Regression = z.infer<typeof regressionSchema>;

/** Where failing seeds are kept. */
const REGRESSIONS_PATH = fileURLToPath(new URL('./regressions.json', import.meta.url));

/** The recorded regressions. */
export function readRegressions(path = REGRESSIONS_PATH): Regression[] {
  return z.array(regressionSchema).parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** Add new failures (by seed, without duplicates) to the regressions file. */
export function recordRegressions(failures: readonly FuzzFailure[], path = REGRESSIONS_PATH): number {
  const known = readRegressions(path);
  const seeds = new Set(known.map((r) => r.seed));
  const found = new Date().toISOString().slice(0, 10);
  const added = failures
    .filter((f) => f.seed >= 0 && !seeds.has(f.seed) && !f.note.startsWith('sentinel'))
    .map((f): Regression => ({ seed: f.seed, generation: f.generation, transport: f.transport, note: f.note, problem: f.problem.slice(0, 500), found }));
  if (added.length > 0) writeFileSync(path, `${JSON.stringify([...known, ...added], null, 2)}\n`);
  return added.length;
}
