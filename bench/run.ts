/**
 * `npm run bench [-- --quick] [-- --out FILE]`: every measurement of docs/design.md §10 for
 * Yhteispöytä and the plaintext baselines (the stock y-websocket relay; Hocuspocus persisting
 * to SQLite) in one run, written as BENCHMARKS.md (or FILE).
 * Progress goes to stderr. `--quick` runs tiny sizes (bench/sizes.ts) for the smoke test.
 * Exits with an error (after writing the report) when the regression guard (bench/guard.ts)
 * finds a gross regression of a ratio against the baselines measured in the same run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SYNC_CONFIG } from '@yhteispoyta/agent/sync/sync-options';
import { createStore } from '@yhteispoyta/server/store/create-store';
import { closeAgents, formWorkspace, problemCount, restartAgent, startAgents } from './agents';
import type { AgentTuning, BenchAgent } from './agents';
import { summarizeCpuProfile } from './cpu-profile';
import type { ProfileSummary } from './cpu-profile';
import { waitForQuietMachine } from './cpu';
import { loadAverage, readEnvironment } from './environment';
import { measureHops } from './hops';
import { measureIdlePenalty } from './idle-penalty';
import { measureSignatureCheck } from './signature-check';
import { mapLimit } from './light-device';
import { agentScratchRoot, commitCostMs } from './local-commit';
import { baselineMemory, ypMemory } from './memory';
import { benchOrganisation } from './organisation';
import { baselineOpen, buildDocument, hocuspocusOpen, measureOpen } from './open';
import type { BuiltDocument, OpenRow } from './open';
import { REPO_ROOT, startMeasured } from './processes';
import type { MeasuredProcess } from './processes';
import { ypAgentProcesses, ypInProcess } from './propagation';
import { startFleet } from './fleet';
import type { Fleet, FleetTarget } from './fleet';
import type { PropagationRow } from './propagation';
import { guardChecks, judge } from './guard';
import { renderReport } from './report';
import { summarize } from './stats';
import type { BenchResults, GeneratorProfile, SweepPoint } from './results';
import { FULL_SIZES, QUICK_SIZES } from './sizes';
import { measureTransparency } from './transparency';
import { BENCH_ADMIN_TOKEN, baselineThroughput, benchServerEnv, ypThroughput } from './throughput';
import type { ThroughputResult } from './throughput';

/**
 * Before each propagation run of a full bench the machine must have settled (cpu.ts): fewer
 * than a quarter of a core busy over a second, waiting at most a minute.
 */
const QUIET = { maxBusyCores: 0.25, windowMs: 1000, timeoutMs: 60_000 } as const;

/** Seed of every trace; both systems get the same. */
const SEED = 20_260_613;
/** Seed of the untimed warm-up runs: other traces than the timed ones. */
const WARM_UP_SEED = SEED + 1;
/** Between the seeds of successive timed propagation rounds: past every workspace's and client's offset (workload.ts). */
const ROUND_SEED_STEP = 1_000_000;

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Update envelopes stored so far in the plan streams of `workspaceIds`. */
async function storedUpdates(dbPath: string, workspaceIds: readonly string[]): Promise<number> {
  const store = await createStore({ kind: 'sqlite', path: dbPath });
  try {
    let count = 0;
    for (const id of workspaceIds) count += (await store.envelopes.envelopesAfter(id, 'doc:plan', 0, 10_000_000)).length;
    return count;
  } finally {
    await store.close();
  }
}

/** One row from several runs of the same configuration: their samples pooled. */
function mergeRows(rows: readonly PropagationRow[]): PropagationRow {
  const first = rows[0];
  if (first === undefined) throw new Error('no rows to merge');
  const latencies = rows.flatMap((r) => r.samples);
  const mean = (pick: (r: PropagationRow) => number) => rows.reduce((sum, r) => sum + pick(r), 0) / rows.length;
  return {
    ...first,
    samples: latencies,
    latency: summarize(latencies),
    edits: rows.reduce((sum, r) => sum + r.edits, 0),
    lost: rows.reduce((sum, r) => sum + r.lost, 0),
    generatorLateP50: Math.max(...rows.map((r) => r.generatorLateP50)),
    generatorLateP99: Math.max(...rows.map((r) => r.generatorLateP99)),
    clientCpu: mean((r) => r.clientCpu),
    serverCpu: mean((r) => r.serverCpu),
    serverCpuSPer1000: mean((r) => r.serverCpuSPer1000),
  };
}

/** Run every measurement; returns the results (the caller renders them). */
async function runBench(quick: boolean): Promise<BenchResults> {
  const sizes = quick ? QUICK_SIZES : FULL_SIZES;
  const started = Date.now();
  const loads: { phase: string; load: number }[] = [];
  const phase = (name: string): void => {
    loads.push({ phase: name, load: loadAverage() });
    log(name);
  };
  const environment = readEnvironment();
  const defaults: AgentTuning = { mergeWindowMs: DEFAULT_SYNC_CONFIG.mergeWindowMs, compactionThreshold: DEFAULT_SYNC_CONFIG.compactionThreshold };
  const agentRoot = agentScratchRoot();
  const diskRoot = mkdtempSync(join(tmpdir(), 'yp-bench-'));
  const children: MeasuredProcess[] = [];
  const everyAgent: BenchAgent[] = [];
  const live: BenchAgent[] = [];
  try {
    phase('local commit cost');
    const commitMs = { disk: await commitCostMs(diskRoot, quick ? 20 : 100), tmpfs: await commitCostMs(agentRoot, quick ? 20 : 100) };
    phase('work after idle');
    const idlePenalty = await measureIdlePenalty(quick ? 20 : 300);
    log(`  sealing one envelope: ${idlePenalty.hotUs.toFixed(0)} µs back to back, ${idlePenalty.after1msUs.toFixed(0)} µs after 1 ms idle, ${idlePenalty.after4msUs.toFixed(0)} µs after 4 ms idle`);

    phase('relay throughput');
    const throughput: { yp: ThroughputResult; baseline: ThroughputResult }[] = [];
    const profileFile = join(diskRoot, 'throughput.cpuprofile');
    let throughputProfile: ProfileSummary | undefined;
    for (const [i, payloadBytes] of sizes.throughput.payloads.entries()) {
      const plan = { ...sizes.throughput, payloadBytes };
      let best: { yp?: ThroughputResult; baseline?: ThroughputResult } = {};
      for (let round = 0; round < sizes.throughput.rounds; round++) {
        const baseline = await baselineThroughput({ ...plan, updatesPerSender: sizes.throughput.baselineUpdatesPerSender });
        // The first payload's last server run is profiled (the profiler runs only inside its window).
        const profiled = i === 0 && round === sizes.throughput.rounds - 1;
        const yp = await ypThroughput({ ...plan, updatesPerSender: sizes.throughput.ypUpdatesPerSender }, profiled ? profileFile : undefined);
        if (profiled) throughputProfile = summarizeCpuProfile(profileFile);
        log(`  ${payloadBytes} B, round ${round + 1}: yhteispöytä ${yp.updatesPerSecond.toFixed(0)}/s, baseline ${baseline.updatesPerSecond.toFixed(0)}/s`);
        best = {
          yp: best.yp === undefined || yp.updatesPerSecond > best.yp.updatesPerSecond ? yp : best.yp,
          baseline: best.baseline === undefined || baseline.updatesPerSecond > best.baseline.updatesPerSecond ? baseline : best.baseline,
        };
      }
      if (best.yp === undefined || best.baseline === undefined) throw new Error('no throughput rounds');
      throughput.push({ yp: best.yp, baseline: best.baseline });
    }
    const signatureChecks = sizes.throughput.payloads.map((payloadBytes) => measureSignatureCheck(payloadBytes, quick ? 3 : 25));
    log(`  the server's signature check: ${signatureChecks.map((c) => `${c.us.toFixed(1)} µs at ${c.payloadBytes} B`).join(', ')}`);

    phase('server memory per idle device');
    const memory = {
      yp: await ypMemory(sizes.memory.devices, sizes.memory.perWorkspace),
      baseline: await baselineMemory(sizes.memory.devices, sizes.memory.perWorkspace),
    };
    log(`  yhteispöytä ${(memory.yp.rssPerDevice / 1024).toFixed(1)} KiB, baseline ${(memory.baseline.rssPerDevice / 1024).toFixed(1)} KiB per device`);

    phase('transparency log proofs');
    const transparency = measureTransparency(sizes.transparency.leaves, sizes.transparency.samples, SEED);
    log(`  ${transparency.leaves} leaves: inclusion ${transparency.inclusionBytes.toFixed(0)} B, ${transparency.verifyUsPerCertificate.toFixed(1)} µs per certificate`);

    phase('servers');
    const serverDir = mkdtempSync(join(diskRoot, 'server-'));
    const serverDbPath = join(serverDir, 'server.db');
    const server = await startMeasured('server', { env: benchServerEnv(serverDir) });
    children.push(server);
    const relay = await startMeasured('baseline');
    children.push(relay);
    const hocuspocusDbPath = join(serverDir, 'hocuspocus.db');
    const hocuspocus = await startMeasured('hocuspocus', { args: [hocuspocusDbPath] });
    children.push(hocuspocus);
    // The bench's deployment root and organisation, kept by the real admin tooling.
    const org = await benchOrganisation(server.url, BENCH_ADMIN_TOKEN);
    // Before the in-process agents exist, so that they do not share this process's time with it.
    phase('agent processes');
    const processes = await ypAgentProcesses({
      server,
      org,
      dir: diskRoot,
      clients: sizes.propagation.processClients,
      mergeWindowMs: defaults.mergeWindowMs,
      compactionThreshold: defaults.compactionThreshold,
      plan: { durationMs: sizes.propagation.durationMs, drainMs: sizes.propagation.drainMs, seed: SEED },
    });
    log(`  p50 ${processes.latency.p50.toFixed(1)} ms, p99 ${processes.latency.p99.toFixed(1)} ms`);

    phase('load generators');
    const { clientsPerWorkspace: clients, workspacesPerProcess: perProcess } = sizes.propagation;
    const maxScale = Math.max(...sizes.propagation.scales);
    const fleetOf = (target: FleetTarget, at: MeasuredProcess) => startFleet({ target, server: at, workspaces: maxScale, clients, perProcess });
    const fleets = {
      yp: await fleetOf({ system: 'yhteispoyta', org, dir: agentRoot, tuning: defaults }, server),
      baseline: await fleetOf({ system: 'baseline' }, relay),
      hocuspocus: await fleetOf({ system: 'hocuspocus' }, hocuspocus),
    };
    log(`  ${maxScale} workspaces × ${clients} clients per system in ${fleets.yp.processes} processes each`);

    phase('edit propagation');
    const propagation: PropagationRow[] = [];
    const plan = { durationMs: sizes.propagation.durationMs, drainMs: sizes.propagation.drainMs, seed: SEED };
    let fleetProblems = 0;
    let generatorProfile: GeneratorProfile | undefined;
    try {
      for (const scale of sizes.propagation.scales) {
        // The three systems one after the other at each scale, round after round, so that a change in the machine's load hits them alike.
        const quietly = async (fleet: Fleet, name: string, seed: number): Promise<PropagationRow> => {
          // The quick run (CI's guard, among other tests on the same cores) does not wait.
          if (quick) return fleet.run(scale, { ...plan, seed });
          // Untimed: warms the code paths of processes whose clients have not typed yet at this scale (sizes.ts).
          const { warmUpMs } = sizes.propagation;
          if (warmUpMs > 0) await fleet.run(scale, { ...plan, durationMs: warmUpMs, seed: WARM_UP_SEED });
          const quiet = await waitForQuietMachine(QUIET);
          log(`  ${name} at ${scale}: machine quiet after ${(quiet.waitedMs / 1000).toFixed(1)} s (${quiet.busyCores.toFixed(2)} cores busy)`);
          return fleet.run(scale, { ...plan, seed });
        };
        const show = (row: PropagationRow) => `${row.latency.p50.toFixed(1)}/${row.latency.p99.toFixed(1)} ms (late p99 ${row.generatorLateP99.toFixed(0)} ms)`;
        const runs = { yp: [] as PropagationRow[], baseline: [] as PropagationRow[], hp: [] as PropagationRow[] };
        for (let round = 0; round < sizes.propagation.rounds; round++) {
          const seed = SEED + round * ROUND_SEED_STEP;
          const ypRun = await quietly(fleets.yp, 'yhteispöytä', seed);
          const baselineRun = await quietly(fleets.baseline, 'stock relay', seed);
          const hpRun = await quietly(fleets.hocuspocus, 'hocuspocus', seed);
          runs.yp.push(ypRun);
          runs.baseline.push(baselineRun);
          runs.hp.push(hpRun);
          if (sizes.propagation.rounds > 1) log(`  round ${round + 1}: yhteispöytä ${show(ypRun)}, relay ${show(baselineRun)}, hocuspocus ${show(hpRun)}`);
        }
        const [yp, baseline, hp] = [mergeRows(runs.yp), mergeRows(runs.baseline), mergeRows(runs.hp)];
        log(`  ${scale} × ${clients} p50/p99${sizes.propagation.rounds > 1 ? ', rounds pooled' : ''}: yhteispöytä ${show(yp)}, relay ${show(baseline)}, hocuspocus ${show(hp)}`);
        propagation.push(yp, baseline, hp);
      }
      // One more Yhteispöytä run at the largest scale, kept out of the table, with its first
      // generator process profiled: where the agents' CPU goes when the generators queue.
      if (!quick) await waitForQuietMachine(QUIET);
      const profileFile = join(diskRoot, 'generator.cpuprofile');
      const profiled = await fleets.yp.run(maxScale, plan, profileFile);
      generatorProfile = {
        workspaces: maxScale,
        agents: Math.min(perProcess, maxScale) * clients,
        p50: profiled.latency.p50,
        summary: summarizeCpuProfile(profileFile),
      };
      log(`  profiled run at ${maxScale}: p50 ${profiled.latency.p50.toFixed(1)} ms; ${generatorProfile.summary.byModule.slice(0, 3).map((m) => `${m.name} ${(m.share * 100).toFixed(0)} %`).join(', ')}`);
    } finally {
      fleetProblems = await fleets.yp.close();
      await fleets.baseline.close();
      await fleets.hocuspocus.close();
    }
    propagation.push(processes);

    phase('in-process agents for the sweep');
    const sweepAgents = await startAgents({ count: sizes.propagation.sweepScale * clients, prefix: 'a', serverUrl: server.url, org, dir: agentRoot, tuning: defaults });
    everyAgent.push(...sweepAgents);
    live.push(...sweepAgents);
    const workspaces = await mapLimit(Array.from({ length: sizes.propagation.sweepScale }, (_, w) => w), 4, async (w) => {
      const group = sweepAgents.slice(w * clients, (w + 1) * clients);
      const [owner, ...members] = group;
      if (owner === undefined) throw new Error('empty workspace group');
      return { workspaceId: await formWorkspace(owner, members, `Sweep ${w}`), agents: group };
    });

    phase('one edit hop by hop');
    const hopAgents = await startAgents({ count: 2, prefix: 'hop', serverUrl: server.url, org, dir: diskRoot, tuning: defaults });
    everyAgent.push(...hopAgents);
    live.push(...hopAgents);
    const [hopA, hopB] = hopAgents as [BenchAgent, BenchAgent];
    const hops = await measureHops(hopA, hopB, await formWorkspace(hopA, [hopB], 'Hops'), sizes.propagation.hopSamples);

    phase('merge window sweep');
    // At a scale where the bench process is not saturated, so the window's own cost shows;
    // rounds interleave the windows so that a change in the machine's load hits all alike.
    const sweepWorkspaces = workspaces.slice(0, sizes.propagation.sweepScale);
    const sweepIds = sweepWorkspaces.map((w) => w.workspaceId);
    const runs = new Map<number, { rows: PropagationRow[]; envelopes: number; edits: number }>();
    for (let round = 0; round < sizes.propagation.sweepRounds; round++) {
      for (const mergeWindowMs of sizes.propagation.mergeWindows) {
        const tuning = { ...defaults, mergeWindowMs };
        for (const { agents: group } of sweepWorkspaces) for (const agent of group) await restartAgent(agent, server.url, tuning);
        const before = await storedUpdates(serverDbPath, sweepIds);
        const row = await ypInProcess(sweepWorkspaces, server, { ...plan, seed: SEED + round + 1, durationMs: sizes.propagation.sweepDurationMs });
        // Each client's one warm-up character is an envelope of its own, not part of the trace.
        const during = (await storedUpdates(serverDbPath, sweepIds)) - before - sweepWorkspaces.length * clients;
        const entry = runs.get(mergeWindowMs) ?? { rows: [], envelopes: 0, edits: 0 };
        entry.rows.push(row);
        entry.envelopes += Math.max(0, during);
        entry.edits += row.edits;
        runs.set(mergeWindowMs, entry);
        log(`  ${mergeWindowMs} ms (round ${round + 1}): p50 ${row.latency.p50.toFixed(1)} ms, p99 ${row.latency.p99.toFixed(1)} ms`);
      }
    }
    const sweep: SweepPoint[] = [...runs.entries()].map(([mergeWindowMs, entry]) => ({
      mergeWindowMs,
      row: mergeRows(entry.rows),
      envelopesPerEdit: entry.envelopes / Math.max(1, entry.edits),
    }));
    for (const { agents: group } of sweepWorkspaces) for (const agent of group) await restartAgent(agent, server.url, defaults);
    const problemsBeforeOpen = problemCount(live);
    await closeAgents(live.splice(0));

    phase('open and stored bytes');
    const thresholds = [...new Set([...sizes.open.thresholds, defaults.compactionThreshold])].sort((a, b) => a - b);
    const roles = await mapLimit(thresholds, 1, async (threshold) => {
      const [writer] = await startAgents({ count: 1, prefix: `w${threshold}-`, serverUrl: server.url, org, dir: agentRoot, tuning: { mergeWindowMs: 0, compactionThreshold: threshold } });
      if (writer === undefined) throw new Error('no writer');
      // Readers use the same threshold: a reader with a lower one would seal a snapshot of its own after the first trial.
      const readerTuning = { ...defaults, compactionThreshold: threshold };
      const readers = await startAgents({ count: sizes.open.coldTrials, prefix: `r${threshold}-`, serverUrl: server.url, org, dir: diskRoot, tuning: readerTuning });
      everyAgent.push(writer, ...readers);
      live.push(writer, ...readers);
      return { threshold, writer, readers, readerTuning, workspaceId: await formWorkspace(writer, [], `Open ${threshold}`) };
    });
    const built: BuiltDocument[] = await Promise.all(roles.map((role) => buildDocument(role.writer, role.workspaceId, role.threshold, sizes.open.edits, SEED)));
    const open: OpenRow[] = [];
    for (const [i, role] of roles.entries()) {
      const doc = built[i];
      if (doc === undefined) throw new Error('missing document');
      const row = await measureOpen({ built: doc, edits: sizes.open.edits, readers: role.readers, serverUrl: server.url, serverDbPath, readerTuning: role.readerTuning });
      log(`  threshold ${role.threshold}: cold ${row.coldOpenMs.map((v) => v.toFixed(0)).join('/')} ms, after retention ${(row.stored.afterRetention / 1024).toFixed(1)} KiB`);
      open.push(row);
    }
    const baseOpen = await baselineOpen(relay, sizes.open.edits, SEED, Math.max(3, sizes.open.coldTrials));
    const hpOpen = await hocuspocusOpen(hocuspocus, hocuspocusDbPath, sizes.open.edits, SEED, Math.max(3, sizes.open.coldTrials));
    log(`  stock relay sync ${baseOpen.syncMs.map((v) => v.toFixed(0)).join('/')} ms; Hocuspocus sync ${hpOpen.syncMs.map((v) => v.toFixed(0)).join('/')} ms, ${(hpOpen.storedBytes / 1024).toFixed(1)} KiB stored`);
    const problems = fleetProblems + problemsBeforeOpen + problemCount(live);
    await closeAgents(live.splice(0));

    phase('done');
    return {
      quick,
      startedAt: new Date(started).toISOString(),
      durationS: (Date.now() - started) / 1000,
      sizes,
      environment,
      loads,
      defaults,
      commitMs,
      idlePenalty,
      propagation,
      hops,
      sweep,
      throughput,
      throughputProfile,
      signatureChecks,
      generatorProfile,
      open,
      baselineOpen: baseOpen,
      hocuspocusOpen: hpOpen,
      memory,
      transparency,
      problems,
    };
  } finally {
    await closeAgents(live.splice(0)).catch(() => undefined);
    for (const child of children) await child.close();
    rmSync(agentRoot, { recursive: true, force: true });
    rmSync(diskRoot, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // Every stock WebsocketProvider in Node adds a process exit listener; the bench opens hundreds.
  process.setMaxListeners(0);
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, out: { type: 'string' } } });
  const out = resolve(values.out ?? join(REPO_ROOT, 'BENCHMARKS.md'));
  const results = await runBench(values.quick === true);
  writeFileSync(out, renderReport(results));
  log(`wrote ${out} (${results.durationS.toFixed(0)} s)`);
  const failed = judge(guardChecks(results)).filter((v) => !v.ok);
  if (failed.length > 0) {
    throw new Error(`regression guard: ${failed.map((v) => `${v.figure} is ${v.ratio.toFixed(2)}× (limit ${v.bound === 'max' ? '≤' : '≥'} ${v.limit}×)`).join('; ')}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
