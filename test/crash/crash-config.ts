/**
 * The knobs of the crash tests, from the environment: `npm test` kills the server a few
 * times with a fixed seed; `STRESS=1` kills it 24 times with a fresh seed (printed).
 * CRASH_KILLS and CRASH_SEED override either.
 */
import { z } from 'zod';
import { stressMode } from '../fuzz/fuzz-config';

/** Server kills under `npm test`. */
const DEFAULT_SERVER_KILLS = 5;
/** Server kills under `STRESS=1`. */
const STRESS_SERVER_KILLS = 24;
/** The seed of `npm test` runs. */
const DEFAULT_CRASH_SEED = 0x6b_69_6c_6c;

function intFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return z.coerce.number().int().min(0).parse(value);
}

/** How many times the server is killed in this run. */
export function serverKills(env: NodeJS.ProcessEnv = process.env): number {
  return intFromEnv(env.CRASH_KILLS) ?? (stressMode(env) ? STRESS_SERVER_KILLS : DEFAULT_SERVER_KILLS);
}

/** The seed of the kill points and of what is typed. */
export function crashSeed(env: NodeJS.ProcessEnv = process.env): number {
  return intFromEnv(env.CRASH_SEED) ?? (stressMode(env) ? (Date.now() ^ (process.pid << 8)) >>> 0 : DEFAULT_CRASH_SEED);
}
