/**
 * Every failing case the fuzz runs ever found (test/fuzz/regressions.json), replayed from
 * its seed against a fresh server process: each must now be answered in type, and the
 * server must stay healthy and serving. The regenerated case must still be the one that
 * was recorded (same transport and description), or the seed would silently test
 * something else after a change to the generators; REST seeds draw their route from the
 * route generation they were found with (rest-cases.ts), so routes added since do not
 * move them. `FUZZ_REPLAY=seed,seed` replays arbitrary seeds of the newest generation
 * instead (debugging a run's failures).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restAgent } from './send-rest';
import { WorkerSockets } from './send-socket';
import { buildFixtures } from './fixtures';
import type { FuzzFixtures } from './fixtures';
import { readRegressions } from './fuzz-config';
import type { Regression } from './fuzz-config';
import { caseFromSeed, executeCase, sentinel } from './fuzz-run';
import { startFuzzServer } from './fuzz-server';
import type { FuzzServer } from './fuzz-server';

const replaySeeds = (process.env.FUZZ_REPLAY ?? '').split(',').filter((s) => s !== '').map(Number);
const entries: { seed: number; recorded?: Regression }[] =
  replaySeeds.length > 0 ? replaySeeds.map((seed) => ({ seed })) : readRegressions().map((r) => ({ seed: r.seed, recorded: r }));

let dir: string;
let server: FuzzServer;
let fixtures: FuzzFixtures;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-fuzz-regressions-'));
  server = await startFuzzServer(dir);
  fixtures = await buildFixtures(server.url, server.adminToken);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('fuzz regressions', () => {
  it('are recorded at all (the file is the memory of every failure found)', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  it.each(entries)('seed $seed is answered in type and the server keeps serving', async ({ seed, recorded }) => {
    const c = caseFromSeed(seed, fixtures, recorded?.generation);
    if (recorded !== undefined) expect({ transport: c.transport, note: c.note }).toEqual({ transport: recorded.transport, note: recorded.note });
    const sockets = new WorkerSockets(server.url, fixtures);
    const agent = restAgent(1);
    try {
      for (const before of recorded?.precededBy ?? []) {
        const earlier = caseFromSeed(before, fixtures, recorded?.generation);
        expect(await executeCase(earlier, server, fixtures, sockets, agent), `${earlier.note} (run before)`).toMatchObject({ ok: true });
      }
      const verdict = await executeCase(c, server, fixtures, sockets, agent);
      expect(verdict, `${c.note}`).toMatchObject({ ok: true });
    } finally {
      sockets.close();
      agent.destroy();
    }
    expect(await sentinel(server, fixtures)).toMatchObject({ ok: true });
    expect(server.errorLogLines()).toEqual([]);
  }, 120_000);
});
