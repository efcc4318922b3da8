/**
 * The fuzz run (docs/design.md §9: random and malformed socket and REST inputs never crash the
 * server): thousands (`npm test`) or 100 000+ (`STRESS=1`) seeded cases against one real
 * server process. The server must stay alive and healthy, keep serving a valid member
 * normally, answer every case with a typed error (or a valid success for the rare valid
 * mutant), never `internal`, log no error, and keep its memory under a ceiling without
 * growing over the run. A failing case's seed is added to regressions.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures } from './fixtures';
import type { FuzzFixtures } from './fixtures';
import { fuzzCount, fuzzSeed, recordRegressions, RSS_CEILING_BYTES, RSS_GROWTH_ALLOWANCE_BYTES } from './fuzz-config';
import { runFuzz } from './fuzz-run';
import type { FuzzReport } from './fuzz-run';
import { FUZZ_SERVER_HEAP_MB, startFuzzServer } from './fuzz-server';
import type { FuzzServer } from './fuzz-server';
import { growthOf, sparkline, summarize } from './rss-stats';

const COUNT = fuzzCount();
const SEED = fuzzSeed();
const CONCURRENCY = 6;

let dir: string;
let server: FuzzServer;
let fixtures: FuzzFixtures;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-fuzz-'));
  server = await startFuzzServer(dir);
  fixtures = await buildFixtures(server.url, server.adminToken);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe(`fuzz: ${COUNT} seeded cases (seed ${SEED})`, () => {
  it('never crash the server, are always answered in type, and do not grow its memory', async () => {
    const report: FuzzReport = await runFuzz({ server, fixtures, runSeed: SEED, count: COUNT, concurrency: CONCURRENCY });
    const rss = summarize(report.rssSamples);
    const growth = growthOf(report.rssSamples);
    const figures = {
      seed: SEED,
      cases: report.cases,
      seconds: Math.round(report.durationMs / 100) / 10,
      byTransport: report.byTransport,
      healthChecks: report.healthChecks,
      rssMiB: { heapCap: FUZZ_SERVER_HEAP_MB, min: rss.minMiB, max: rss.maxMiB, samples: rss.samples, growthMiB: Math.round(growth / 1048576), curve: sparkline(report.rssSamples) },
      failures: report.failures.length,
    };
    process.stdout.write(`fuzz figures: ${JSON.stringify(figures)}\noutcomes: ${JSON.stringify(report.outcomes)}\n`);
    const added = recordRegressions(report.failures);
    if (added > 0) process.stdout.write(`${added} failing seed(s) added to test/fuzz/regressions.json\n`);

    expect(report.failures.slice(0, 10)).toEqual([]);
    expect(report.cases).toBe(COUNT);
    expect(server.process.running()).toBe(true);
    expect(await server.healthy()).toBe(true);
    expect(server.errorLogLines().slice(0, 5)).toEqual([]);
    expect(rss.samples).toBeGreaterThan(0);
    expect(rss.maxBytes).toBeLessThan(RSS_CEILING_BYTES);
    expect(growth).toBeLessThan(RSS_GROWTH_ALLOWANCE_BYTES);
  }, 60_000 + COUNT * 30);
});
