/**
 * Snapshot faults of a hostile relay: a join answer that presents an older snapshot as
 * the current one (a rollback), and one that presents an authentic snapshot the server
 * never accepted (a fork, captured from an agent whose snapshot the relay answered with
 * stale_snapshot). The victim reports snapshot_chain, keeps building on the real chain,
 * and converges once the relay is honest. And a relay that refuses every snapshot: the
 * agents try again by themselves, spaced out, and store one once the relay lets them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultMatrix, formatMatrix } from './fault-matrix';
import { CAST, HostileWorld, sleep, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';
import { runTrial } from './trial.testkit';

const PLAN = 'doc:plan';
const NAMES = ['anna', 'sini', 'carl'] as const;
const matrix = new FaultMatrix('snapshot-faults');
let world: HostileWorld;
let ws: string;
let anna: WorldAgent;
let words = 0;

beforeAll(async () => {
  world = await HostileWorld.start({
    agents: [CAST.anna, CAST.sini, CAST.carl],
    compactionThreshold: 3,
  });
  anna = world.agent('anna');
  ws = await world.workspace('anna', ['sini', 'carl']);
}, 120_000);

afterAll(async () => {
  const rows = matrix.write();
  process.stdout.write(`\nfault matrix (all parts so far)\n${formatMatrix(rows)}\n`);
  await world?.close();
});

function snapshotIds(): string[] {
  return world.relay.log.snapshots(ws, PLAN).map((e) => e.header.snapshotId);
}

/** The snapshot ids among the plan versions an agent recorded (plan history). */
async function recordedSnapshots(agent: WorldAgent): Promise<string[]> {
  return (await agent.session().documents.versions(ws, PLAN)).flatMap((v) => (v.snapshotId === undefined ? [] : [v.snapshotId]));
}

/** anna writes, one envelope at a time, until `done` holds. */
async function writeUntil(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 60 && !done(); i++) {
    words += 1;
    await anna.write(ws, ` sana${words}`);
    await world.converged(ws, NAMES);
  }
  if (!done()) throw new Error(`never happened: ${what}`);
}

/** Reconnect `agent` through the relay and return the plan position of its next join request. */
async function rejoin(agent: WorldAgent): Promise<string | undefined> {
  const previous = world.relay.lastJoin(agent.name, ws);
  world.relay.reconnect(agent.name);
  await until(`${agent.name} joins again`, () => world.relay.lastJoin(agent.name, ws) !== previous);
  return world.relay.lastJoin(agent.name, ws)?.positions[PLAN]?.snapshotId;
}

describe('snapshot faults', () => {
  it('stale_snapshot: a join answer rolling the plan back to an older snapshot is reported and not applied', () =>
    runTrial(matrix, world.relay, 'stale_snapshot', async (t) => {
      await writeUntil('two snapshots', () => snapshotIds().length >= 2);
      await world.converged(ws, NAMES);
      const snapshots = world.relay.log.snapshots(ws, PLAN);
      const older = snapshots.at(-2);
      const latest = snapshots.at(-1);
      if (older === undefined || latest === undefined) throw new Error('no snapshots');
      const sini = world.agent('sini');
      const before = await sini.planHash(ws);
      const versionsBefore = await recordedSnapshots(sini);
      const mark = await sini.mark();
      const fault = world.relay.arm({ type: 'present_snapshot', victim: 'sini', workspaceId: ws, stream: PLAN, snapshot: older.stored });
      expect(await rejoin(sini)).toBe(latest.header.snapshotId);
      const problem = await sini.awaitProblem(mark, ['snapshot_chain']);
      t.detected = problem !== undefined;
      t.note('snapshot_chain (rollback) at the next join');
      expect(t.detected).toBe(true);
      expect(await sini.planHash(ws)).toBe(before);
      // The plan history did not record the rolled-back snapshot again as a new version.
      expect(await recordedSnapshots(sini)).toEqual(versionsBefore);
      t.count(fault);
      world.relay.honest();
      // Still on the latest snapshot: the rollback was not adopted.
      expect(await rejoin(sini)).toBe(latest.header.snapshotId);
      words += 1;
      await anna.write(ws, ` sana${words}`);
      await world.converged(ws, NAMES);
      t.recovered = true;
    }), 120_000);

  it('forked_snapshot: an authentic snapshot the server never accepted, presented in a join, is reported as a fork', () =>
    runTrial(matrix, world.relay, 'forked_snapshot', async (t) => {
      const capture = world.relay.arm({ type: 'capture_snapshot', workspaceId: ws, stream: PLAN });
      await writeUntil('a snapshot captured', () => capture.captured !== undefined);
      const captured = capture.captured;
      if (captured === undefined) throw new Error('nothing captured');
      const parent = captured.header.parentSnapshotId ?? '';
      // The author seals another snapshot on the same parent, and the server takes that one.
      await writeUntil('the sibling snapshot stored', () =>
        world.relay.log.snapshots(ws, PLAN).some((e) => e.header.parentSnapshotId === parent && e.header.snapshotId !== captured.header.snapshotId));
      await world.converged(ws, NAMES);
      const victim = world.agent(captured.header.author.userId === world.agent('sini').userId ? 'carl' : 'sini');
      const before = await victim.planHash(ws);
      const mark = await victim.mark();
      const stored = { seq: world.relay.log.maxSeq(ws) + 1, envelope: captured.envelope, receivedAt: Date.now() };
      const fault = world.relay.arm({ type: 'present_snapshot', victim: victim.name, workspaceId: ws, stream: PLAN, snapshot: stored });
      await rejoin(victim);
      const problem = await victim.awaitProblem(mark, ['snapshot_chain']);
      t.detected = problem !== undefined && problem.device?.userId === captured.header.author.userId;
      t.note('snapshot_chain (forks off an older point) at the next join');
      expect(t.detected).toBe(true);
      expect(await victim.planHash(ws)).toBe(before);
      // A snapshot the server never accepted is no version in the plan history.
      expect(await recordedSnapshots(victim)).not.toContain(captured.header.snapshotId);
      t.count(capture, fault);
      world.relay.honest();
      const position = await rejoin(victim);
      expect(position).not.toBe(captured.header.snapshotId);
      expect(snapshotIds()).toContain(position);
      words += 1;
      await anna.write(ws, ` sana${words}`);
      await world.converged(ws, NAMES);
      t.recovered = true;
    }), 180_000);

  it('refused_snapshots: a relay refusing every snapshot gets spaced-out tries, and once honest a snapshot is stored with nobody editing', () =>
    runTrial(matrix, world.relay, 'refused_snapshots', async (t) => {
      const stored = snapshotIds().length;
      const refuse = world.relay.arm({ type: 'refuse_snapshots', workspaceId: ws, stream: PLAN });
      // Three refusals spend one agent's run of attempts.
      await writeUntil('a run of snapshot attempts refused', () => refuse.hits >= 3);
      await world.converged(ws, NAMES);
      // Nobody edits from here on: nothing but the agents' own retry can send a snapshot.
      const before = refuse.hits;
      const start = performance.now();
      await sleep(2_500);
      const during = refuse.hits - before;
      const seconds = (performance.now() - start) / 1000;
      t.note(`${during} snapshot tries in ${seconds.toFixed(1)} s without edits`);
      // Tried again without any edit …
      expect(during).toBeGreaterThan(0);
      // … but spaced out. Runs of three attempts start 1, 2, 4 … s apart, so in E seconds an
      // agent starts at most 1 + log2(E + 1) runs, plus one that began before the window
      // (a retry loop without backoff would make hundreds of tries here).
      const runsPerAgent = 2 + Math.floor(Math.log2(seconds + 1));
      expect(during).toBeLessThanOrEqual(NAMES.length * runsPerAgent * 3);
      t.detected = true;
      t.count(refuse);
      world.relay.honest();
      await until('a snapshot stored after the relay turned honest, with nobody editing', () => snapshotIds().length > stored, 30_000);
      await world.converged(ws, NAMES);
      t.recovered = true;
    }), 120_000);
});
