/**
 * BENCHMARKS.md from one run's results: machine and method, the ratio table with every
 * goal marked met or missed, the detail of each measurement, the tuning sweeps with the
 * values they recommend, and where the time goes for what misses its goal. Every figure
 * printed here comes from the results object; nothing is typed in by hand.
 */
import { GUARDED_MAX_WORKSPACES, judge, guardChecks } from './guard';
import type { ProfileSummary } from './cpu-profile';
import type { OpenRow } from './open';
import type { PropagationRow } from './propagation';
import type { BenchResults } from './results';
import { coldMedian, recommendMergeWindow, recommendThreshold } from './results';

const ms = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2)) : 'n/a');
const kb = (bytes: number): string =>
  !Number.isFinite(bytes) ? 'n/a' : Math.abs(bytes) >= 1024 * 1024 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
const num = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const ratio = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : 'n/a');
/** The relay throughput goal: this share of the stock relay's updates per second (docs/design.md §10). */
const THROUGHPUT_GOAL = 0.7;
const status = (ok: boolean | undefined): string => (ok === undefined ? '—' : ok ? '**met**' : '**missed**');

/** A row of the ratio table. */
interface GoalRow {
  readonly figure: string;
  readonly yp: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly goal: string;
  /** undefined: no goal was set for this figure */
  readonly met: boolean | undefined;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function inProcess(r: BenchResults): PropagationRow[] {
  return r.propagation.filter((p) => p.system === 'yhteispoyta' && p.setup === 'in-process agents');
}

function baselineAt(r: BenchResults, workspaces: number, system: 'baseline' | 'hocuspocus' = 'baseline'): PropagationRow | undefined {
  return r.propagation.find((p) => p.system === system && p.workspaces === workspaces);
}

/** How the report names each system. */
const SYSTEM_NAME: Record<PropagationRow['system'], string> = { yhteispoyta: 'Yhteispöytä', baseline: 'stock relay', hocuspocus: 'Hocuspocus + SQLite' };

/** The open row the goals are judged on: the current default threshold when it was tried. */
function defaultOpenRow(r: BenchResults): OpenRow | undefined {
  return r.open.find((o) => o.threshold === r.defaults.compactionThreshold) ?? recommendThreshold(r.open);
}

/** Every goal of the brief with its measured status. */
function goalRows(r: BenchResults): GoalRow[] {
  const rows: GoalRow[] = [];
  const latencyRows = (yp: PropagationRow, base: PropagationRow, label: string, goals: { p50: number; p99: number }): void => {
    const p50 = yp.latency.p50 / base.latency.p50;
    const p99 = yp.latency.p99 / base.latency.p99;
    const versus = base.system === 'baseline' ? '' : ` vs ${SYSTEM_NAME[base.system]}`;
    const of = (v: number) => `${ms(v)} ms (${SYSTEM_NAME[base.system]})`;
    rows.push({ figure: `Propagation p50${versus}, ${label}`, yp: `${ms(yp.latency.p50)} ms`, baseline: of(base.latency.p50), ratio: ratio(p50), goal: `≤ ${goals.p50.toFixed(1)}×`, met: p50 <= goals.p50 });
    rows.push({ figure: `Propagation p99${versus}, ${label}`, yp: `${ms(yp.latency.p99)} ms`, baseline: of(base.latency.p99), ratio: ratio(p99), goal: `≤ ${goals.p99.toFixed(1)}×`, met: p99 <= goals.p99 });
  };
  for (const yp of inProcess(r)) {
    const label = `${plural(yp.workspaces, 'workspace')} × ${yp.clientsPerWorkspace} clients`;
    const base = baselineAt(r, yp.workspaces);
    if (base !== undefined) latencyRows(yp, base, label, { p50: 1.3, p99: 1.5 });
  }
  for (const yp of inProcess(r)) {
    const hp = baselineAt(r, yp.workspaces, 'hocuspocus');
    if (hp !== undefined) latencyRows(yp, hp, `${plural(yp.workspaces, 'workspace')} × ${yp.clientsPerWorkspace} clients`, { p50: 1, p99: 1 });
  }
  const processes = r.propagation.find((p) => p.system === 'yhteispoyta' && p.setup !== 'in-process agents');
  const base1 = baselineAt(r, 1);
  if (processes !== undefined && base1 !== undefined) latencyRows(processes, base1, `agent processes + local WebsocketProviders, 1 workspace × ${processes.clientsPerWorkspace}`, { p50: 1.3, p99: 1.5 });
  for (const yp of inProcess(r)) {
    const base = baselineAt(r, yp.workspaces);
    const hp = baselineAt(r, yp.workspaces, 'hocuspocus');
    rows.push({
      figure: `Server CPU-seconds per 1 000 edits, ${plural(yp.workspaces, 'workspace')} × ${yp.clientsPerWorkspace} clients`,
      yp: `${num(yp.serverCpuSPer1000, 2)} s`,
      baseline: `${num(base?.serverCpuSPer1000 ?? Number.NaN, 2)} s (stock relay), ${num(hp?.serverCpuSPer1000 ?? Number.NaN, 2)} s (Hocuspocus + SQLite)`,
      ratio: `${ratio(yp.serverCpuSPer1000 / (base?.serverCpuSPer1000 ?? Number.NaN))}, ${ratio(yp.serverCpuSPer1000 / (hp?.serverCpuSPer1000 ?? Number.NaN))}`,
      goal: '—',
      met: undefined,
    });
  }
  for (const { yp, baseline } of r.throughput) {
    const q = yp.updatesPerSecond / baseline.updatesPerSecond;
    rows.push({
      figure: `Relay throughput, ${yp.payloadBytes}-byte updates to ${yp.receivers} receivers`,
      yp: `${num(yp.updatesPerSecond)} /s (${yp.inMBps.toFixed(2)} MB/s in)`,
      baseline: `${num(baseline.updatesPerSecond)} /s (${baseline.inMBps.toFixed(2)} MB/s in; stock relay)`,
      ratio: ratio(q),
      goal: `≥ ${THROUGHPUT_GOAL}×`,
      met: q >= THROUGHPUT_GOAL,
    });
  }
  const open = defaultOpenRow(r);
  if (open !== undefined) {
    const cold = coldMedian(open);
    const baseSync = medianOf(r.baselineOpen.syncMs);
    rows.push({
      figure: `Cold open, ${open.edits}-edit document (threshold ${open.threshold})`,
      yp: `${ms(cold)} ms`,
      baseline: `${ms(baseSync)} ms (stock relay: sync from memory)`,
      ratio: ratio(cold / baseSync),
      goal: '≤ 50 ms',
      met: cold <= 50,
    });
    const hpSync = medianOf(r.hocuspocusOpen.syncMs);
    rows.push({
      figure: `Cold open vs Hocuspocus + SQLite, ${open.edits}-edit document (threshold ${open.threshold})`,
      yp: `${ms(cold)} ms`,
      baseline: `${ms(hpSync)} ms (Hocuspocus + SQLite: sync from memory)`,
      ratio: ratio(cold / hpSync),
      goal: '—',
      met: undefined,
    });
    const warm = medianOf(open.warmOpenMs);
    rows.push({
      figure: `Warm open from the local cache after an agent restart (threshold ${open.threshold})`,
      yp: `${ms(warm)} ms (${ms(medianOf(open.warmCaughtUpMs))} ms with the catch-up join)`,
      baseline: `${ms(baseSync)} ms (sync; no local cache)`,
      ratio: ratio(warm / baseSync),
      goal: '—',
      met: undefined,
    });
    const bound = 2 * (open.finalStateBytes + open.trailingPlainBytes);
    rows.push({
      figure: `Bytes stored for that document after compaction (threshold ${open.threshold})`,
      yp: kb(open.stored.afterRetention),
      baseline: `${kb(r.baselineOpen.stateBytes)} (in memory, not stored)`,
      ratio: `${ratio(open.stored.afterRetention / (open.finalStateBytes + open.trailingPlainBytes))} of state + trailing`,
      goal: `≤ 2× (= ${kb(bound)})`,
      met: open.stored.afterRetention <= bound,
    });
    rows.push({
      figure: `Bytes stored for that document vs Hocuspocus + SQLite (threshold ${open.threshold})`,
      yp: kb(open.stored.afterRetention),
      baseline: `${kb(r.hocuspocusOpen.storedBytes)} (Hocuspocus + SQLite: its row, the whole Yjs state)`,
      ratio: ratio(open.stored.afterRetention / r.hocuspocusOpen.storedBytes),
      goal: '—',
      met: undefined,
    });
  }
  const { yp, baseline } = r.memory;
  rows.push({
    figure: `Server RSS per idle connected device (${yp.devices} devices)`,
    yp: kb(yp.rssPerDevice),
    baseline: `${kb(baseline.rssPerDevice)} (stock relay)`,
    ratio: ratio(yp.rssPerDevice / baseline.rssPerDevice),
    goal: '≤ 50 KiB',
    met: yp.rssPerDevice <= 50 * 1024,
  });
  return rows;
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? Number.NaN;
}

/** The idle penalty as the machine table and the propagation prose state it. */
function idleText(r: BenchResults): string {
  const p = r.idlePenalty;
  return `${num(p.hotUs)} µs back to back, ${num(p.after1msUs)} µs after 1 ms idle, ${num(p.after4msUs)} µs after 4 ms idle (${(p.after4msUs / p.hotUs).toFixed(1)}×)`;
}

function header(r: BenchResults): string {
  const e = r.environment;
  const loads = r.loads.map((l) => `${l.phase} ${l.load.toFixed(2)}`).join(', ');
  return `# Benchmarks

Generated by \`npm run bench${r.quick ? ' -- --quick' : ''}\` (bench/run.ts) on ${r.startedAt}; the run took ${num(r.durationS)} s.${
    r.quick ? '\n\n**This is a `--quick` run: tiny sizes that only show the code works. Its numbers mean nothing.**' : ''
  } Every figure below was measured in this run; Yhteispöytä and the plaintext baselines (the stock y-websocket relay, and Hocuspocus persisting to SQLite) were measured one after the other on the same machine with the same load generator and the same seeded edit traces.

## Machine and software

${table(['', ''], [
    ['CPU', `${e.cpuModel}, ${e.cores} cores`],
    ['Memory', `${e.memoryGiB.toFixed(1)} GiB`],
    ['Kernel', e.kernel],
    ['Node', e.node],
    ...Object.entries(e.packages).map(([name, version]) => [name, version]),
    ['Sealing one envelope (bench/idle-penalty.ts)', idleText(r)],
    ['1-min load average as each phase started', loads],
  ])}

The machine is shared: other work running at the same time shows as a load average above what the bench itself puts on it (at most about 2), and makes figures noisier.`;
}

function method(r: BenchResults): string {
  return `## Method

- **Processes.** The Yhteispöytä server (\`startServer\`, sqlite store on disk, what \`npm run server\` runs), the stock relay (stock \`@y/websocket-server\` \`setupWSConnection\` on an http server, documents in memory) and Hocuspocus (\`@hocuspocus/server\` with \`@hocuspocus/extension-database\` whose fetch/store keep each document's Yjs state in a SQLite row — the same SQLite driver and journal settings as the Yhteispöytä server, WAL and \`synchronous = NORMAL\`; Hocuspocus's defaults otherwise: stores debounced 2 s, at most 10 s) each run as their own Node process (bench/child.ts, under tsx like \`npm run server\`). The workspace-scale propagation rows run their clients in ${plural(r.sizes.propagation.workspacesPerProcess, 'workspace')} per load-generating process (bench/fleet.ts; ${r.propagation.find((p) => p.system === 'yhteispoyta' && p.setup === 'in-process agents' && p.workspaces === Math.max(...r.sizes.propagation.scales))?.generators ?? '?'} processes at ${Math.max(...r.sizes.propagation.scales)} workspaces), the same layout for every system; the rest runs in the bench process. Server CPU is read from /proc.
- **Identities.** Every Yhteispöytä device is a certified device, as in production: each bench server gets a fresh deployment root and an organisation made with the real admin tooling (\`@yhteispoyta/admin\`, bench/organisation.ts); devices enrol with its codes (only code ids reach the server) and a proof of the code's secret, and the admin tool certifies them before they take part. This happens before anything is measured.
- **Edit traces.** bench/traces.ts: per client a seeded typist — keystrokes 150–300 ms apart in bursts of 5–40, pauses of 1.5–6 s, 7 % backspaces, a 200–600 character paste in 4 % of bursts, 40 % of bursts somewhere else in the text. Both systems replay exactly the same traces (same seeds, same times).
- **Propagation latency** is measured inside the Y.Docs: an inserting edit of client c ends at a Yjs clock k; it has arrived in another client's document once that document's state for c reaches k (deletions advance no clock and are replayed but not timed). One sample per (edit, receiving client). Every client of a workspace types at the same time; each run replays ${num(r.sizes.propagation.durationMs / 1000)} s of traces (the merge-window sweep ${num(r.sizes.propagation.sweepDurationMs / 1000)} s) and then waits up to ${num(r.sizes.propagation.drainMs / 1000)} s for stragglers, which are counted as lost.${r.sizes.propagation.rounds > 1 ? ` The in-process rows pool the samples of ${r.sizes.propagation.rounds} runs per system and scale, the three systems in turn round after round and each round with other traces: one run's figures moved by up to 2× between bench runs on this shared machine.` : ''} Before timing, every client types one character and all documents converge (connections, keys, catch-up warm)${r.sizes.propagation.warmUpMs > 0 ? `, and before each system's timed run at each scale its clients replay ${num(r.sizes.propagation.warmUpMs / 1000)} s of other seeded traces, untimed: agents and clients in use run for hours, and the first edits a process ever handles pay for V8 compiling its code (at 10 workspaces, half the generator processes had never typed before their timed run)` : ''}. Before each system's run at each scale a full run waits until the whole machine has settled (under a quarter of a core busy over one second, at most a minute; bench/cpu.ts): work left over from starting 250 agents, or anything else on a shared machine, is not measured as propagation; the wait is in the run's log.
  - *In-process agents*: ${plural(r.propagation.filter((p) => p.setup === 'in-process agents').reduce((m, p) => Math.max(m, p.workspaces * p.clientsPerWorkspace), 0), 'real agent')} (AgentHost + the real session: keys, SQLCipher profile, sync engine, socket.io link) in the load-generating processes, each client being its agent's own document. Their profiles use the weak test KDF (scrypt N = 2^10: the KDF runs once at unlock and is no part of propagation) and live on tmpfs: one SQLCipher commit costs ${ms(r.commitMs.disk)} ms on this disk (\`synchronous = FULL\`) and ${ms(r.commitMs.tmpfs)} ms on tmpfs, and hundreds of agents in one process would otherwise queue every user's fsyncs behind each other, which separate machines do not. The cost of the real disk is in the agent-process run and in the hop-by-hop timing.
  - *Agent processes*: \`npm run agent\` children (default KDF, profiles on disk), each driven by a stock \`WebsocketProvider\` on its y-websocket endpoint — the path a browser UI takes, two local hops more than the baseline.
  - *Stock relay*: stock \`WebsocketProvider\` clients on the stock relay.
  - *Hocuspocus + SQLite*: \`HocuspocusProvider\` clients (each its own socket) on Hocuspocus.
- **Throughput.** bench/throughput.ts: per workspace one sender and N receivers. Yhteispöytä senders are authenticated light devices (real identity, enrolment with a proof of the code's secret, certificates from the organisation's admin tool, login and signed membership chain; bench/light-device.ts) pushing pre-sealed envelopes with 16 unacknowledged pushes in flight (the server queues at most 32 per socket), so client crypto does not cap the relay. Baseline senders send the same Yjs updates as y-protocols sync messages; the relay echoes each update to its sender, which serves as the acknowledgement for a window of 128. Counted at the receivers inside a fixed window after a warm-up.
- **Open.** One agent writes the edit sequence, one envelope per edit (merge window 0, flushed per edit), sealing snapshots at the compaction threshold as it goes. Cold open: a new member's fresh device (profile on disk) opens the document with no local cache, from \`open()\` until its text equals the writer's. Warm open: that agent restarted on its profile. The baselines' cold open is a fresh \`WebsocketProvider\` (stock relay) or \`HocuspocusProvider\` (Hocuspocus) syncing the same document, written through their providers, from the server's memory; Hocuspocus's stored bytes are its SQLite row for the document once its debounced store has written all of it.
- **Stored bytes** are the envelope bytes in the server's store for the document (snapshots and updates; sqlite's own row and index overhead not counted), read through the storage port from the server's sqlite file. "Held now" is before the retention window (SNAPSHOT_RETENTION_SECONDS, default 7 days) has passed; "after retention" is after the server's own hourly retention job (server/src/maintenance/retention.ts) has run once past that window: updates covered by a snapshot pruned, snapshot history thinned to the newest of each hour for a day and of each day after. The bench writes the document within minutes, so one or two snapshots stay; a document edited over weeks keeps one more snapshot per day of editing.
- **Memory.** A fresh server process per system; RSS after a GC settle (\`--expose-gc\`, repeated \`gc()\`) before and after N devices connect and join (Yhteispöytä: authenticated socket.io connections of light devices joined to their workspace, 5 per workspace; baseline: synced \`WebsocketProvider\`s, 5 per room).
- **Defaults used.** Agents ran with merge window ${r.defaults.mergeWindowMs} ms and compaction threshold ${r.defaults.compactionThreshold} (the agent defaults at the time of the run) except where a sweep varies them.`;
}

function goalsSection(r: BenchResults): string {
  const rows = goalRows(r);
  return `## Ratios against the baseline and the goals

Two baselines fed the same traces in the same run: the **stock relay** (\`@y/websocket-server\`, documents in memory, nothing stored) and **Hocuspocus + SQLite** (\`@hocuspocus/server\` with its Database extension storing each document to SQLite: durable plaintext, what a team would deploy instead). Propagation is judged against the stock relay (p50 ≤ 1.3×, p99 ≤ 1.5×) and against Hocuspocus (≤ 1.0×); a row without a named baseline is against the stock relay.

${table(['Figure', 'Yhteispöytä', 'Baseline', 'Ratio', 'Goal', 'Status'], rows.map((g) => [g.figure, g.yp, g.baseline, g.ratio, g.goal, status(g.met)]))}

${rows.filter((g) => g.met === true).length} of ${rows.filter((g) => g.met !== undefined).length} goals met.`;
}

function propagationSection(r: BenchResults): string {
  const rows = r.propagation.map((p) => [
    SYSTEM_NAME[p.system],
    p.setup,
    `${p.workspaces} × ${p.clientsPerWorkspace}`,
    String(p.generators),
    String(p.latency.count),
    ms(p.latency.p50),
    ms(p.latency.p95),
    ms(p.latency.p99),
    ms(p.latency.max),
    String(p.lost),
    `${ms(p.generatorLateP50)} / ${ms(p.generatorLateP99)}`,
    pct(p.clientCpu),
    pct(p.serverCpu),
    num(p.serverCpuSPer1000, 2),
  ]);
  const h = r.hops;
  return `## Edit propagation latency (ms)

${table(['System', 'Clients', 'Workspaces × clients', 'Generator processes', 'Samples', 'p50', 'p95', 'p99', 'max', 'Lost', 'Generator late p50 / p99', 'Generator CPU', 'Server CPU', 'Server CPU-s per 1 000 edits'], rows)}

*Generator late*: how late the load generators sent their scheduled edits (p50 / p99 over every edit, ms); tens of ms or more mean the generator processes (which for Yhteispöytä also run every in-process agent) were saturated, and latency then includes queueing in the clients, not only in the relay. *Generator CPU* is the cores the generator processes used together, *Server CPU* the share of one core the server used while the edits were replayed and drained, and *Server CPU-s per 1 000 edits* that CPU time divided by the edits replayed (every edit is one Yjs update).

### One edit hop by hop

Two idle agents with profiles on disk, merge window ${r.defaults.mergeWindowMs} ms, ${h.samples} single-character edits; medians in ms after the local change:

${table(['Push leaves the sender', 'Ack back (server verified + stored)', 'Notice at the receiver', 'Applied in the receiver document'], [[ms(h.pushSent), ms(h.acked), ms(h.noticed), ms(h.applied)]])}${generatorProfileSection(r)}`;
}

function sweepSection(r: BenchResults): string {
  const chosen = recommendMergeWindow(r.sweep);
  const rows = r.sweep.map((p) => [`${p.mergeWindowMs} ms`, ms(p.row.latency.p50), ms(p.row.latency.p99), p.envelopesPerEdit.toFixed(2), String(p.row.lost)]);
  return `### Merge window

${r.sweep[0] === undefined ? '' : `${plural(r.sweep[0].row.workspaces, 'workspace')} × ${r.sweep[0].row.clientsPerWorkspace} in-process agents (a scale where the bench process is not saturated, so the window's own cost shows), ${plural(r.sizes.propagation.sweepRounds, 'round')} of every window in turn, samples pooled per window:`}

${table(['Merge window', 'p50', 'p99', 'Envelopes per edit', 'Lost'], rows)}

Rule (bench/results.ts): the largest window whose p50 is within 10 % (or 2 ms) of the best, since a longer window pays off only by merging edits into fewer envelopes. This run recommends **${chosen === undefined ? 'n/a' : `${chosen.mergeWindowMs} ms`}**; the agent default is ${r.defaults.mergeWindowMs} ms.`;
}

/** A CPU profile's self time by module and by function. */
function profileTables(p: ProfileSummary): string {
  return `${table(['Module', 'Share'], p.byModule.map((m) => [m.name, pct(m.share)]))}\n\n${table(['Function', 'Share'], p.byFunction.map((f) => [`\`${f.name}\``, pct(f.share)]))}`;
}

/** Where one generator process's agents spent their CPU, when the run profiled one. */
function generatorProfileSection(r: BenchResults): string {
  const g = r.generatorProfile;
  if (g === undefined) return '';
  return `\n\n### Where a load generator's CPU went

One more Yhteispöytä run at ${g.workspaces} × ${r.sizes.propagation.clientsPerWorkspace}, kept out of the table above (its p50 was ${ms(g.p50)} ms), with its first generator process — ${g.agents} in-process agents — under the V8 CPU profiler (self time; ${num(g.summary.totalMs)} ms sampled). Native code (libsignal's Rust, SQLCipher's C) is charged to the JavaScript that called it:

${profileTables(g.summary)}`;
}

/**
 * Server CPU per update at one throughput payload: what the goal allows (the stock
 * relay's, divided by the goal's ratio), the stock relay's own, and the signature check's.
 */
function checkBudget(r: BenchResults, payloadBytes: number): { allowedUs: number; stockUs: number; checkUs: number } | undefined {
  const run = r.throughput.find(({ yp }) => yp.payloadBytes === payloadBytes);
  const check = r.signatureChecks.find((c) => c.payloadBytes === payloadBytes);
  if (run === undefined || check === undefined) return undefined;
  // Server CPU-seconds per 1 000 updates are milliseconds per update.
  const stockUs = run.baseline.serverCpuSPer1000 * 1000;
  return { allowedUs: stockUs / THROUGHPUT_GOAL, stockUs, checkUs: check.us };
}

function throughputSection(r: BenchResults): string {
  const rows = r.throughput.flatMap(({ yp, baseline }) =>
    [yp, baseline].map((t) => [
      SYSTEM_NAME[t.system],
      `${t.payloadBytes} B`,
      String(t.wireBytes),
      num(t.updatesPerSecond),
      num(t.updatesPerSecond / t.serverCpu),
      num(t.serverCpuSPer1000, 3),
      t.inMBps.toFixed(2),
      t.outMBps.toFixed(2),
      pct(t.serverCpu),
      pct(t.clientCpu),
      ms(t.windowMs),
    ]),
  );
  const efficiency = r.throughput.map(({ yp, baseline }) => `${ratio(yp.updatesPerSecond / yp.serverCpu / (baseline.updatesPerSecond / baseline.serverCpu))} at ${yp.payloadBytes} B`).join(', ');
  const p = r.throughputProfile;
  const budget = r.throughput.flatMap(({ yp }) => {
    const share = checkBudget(r, yp.payloadBytes);
    if (share === undefined) return [];
    return [
      `- ${yp.payloadBytes} B: ${THROUGHPUT_GOAL}× of the stock relay's updates per server CPU-second leaves ${num(share.allowedUs)} µs of server CPU per update (its ${num(share.stockUs)} µs ÷ ${THROUGHPUT_GOAL}). The signature check the server must run on every envelope took ${num(share.checkUs)} µs of that back to back (${pct(share.checkUs / share.allowedUs)}), leaving ${num(Math.max(0, share.allowedUs - share.checkUs))} µs for receiving the push, storing it and writing it to ${yp.receivers} receivers and the sender — all of which, the check included, cost Yhteispöytä ${num(yp.serverCpuSPer1000 * 1000)} µs per update in this run, and the stock relay, which checks and stores nothing, ${num(share.stockUs)} µs.`,
    ];
  });
  const budgetText =
    budget.length === 0
      ? ''
      : `\n\n**What the goal leaves per update.** The server checks each envelope's XEdDSA signature against its author's registered identity key before storing it (docs/design.md §5); bench/signature-check.ts times the server's own call (\`envelopeSignatureValid\`) over an envelope of each size, back to back as a saturated server runs it:\n\n${budget.join('\n')}`;
  const profile =
    p === undefined
      ? ''
      : `\n\nWhere the Yhteispöytä server's CPU went during the ${r.throughput[0]?.yp.payloadBytes ?? ''}-byte run (V8 CPU profile, self time; ${num(p.totalMs)} ms sampled):\n\n${profileTables(p)}`;
  return `## Relay throughput at saturation (one server process)

Best of ${plural(r.sizes.throughput.rounds, 'run')} per system (alternating), since other work on the shared machine takes CPU from whichever process it hits. *Per server CPU-second* divides by the CPU the server actually got (from /proc), which is less sensitive to that: Yhteispöytä relays ${efficiency} of the baseline's updates per CPU-second.

${table(['System', 'Payload', 'Bytes per update on the wire', 'Updates/s', 'Per server CPU-second', 'Server CPU-s per 1 000 updates', 'MB/s in', 'MB/s out', 'Server CPU', 'Client CPU', 'Window (ms)'], rows)}${budgetText}${profile}`;
}

function openSection(r: BenchResults): string {
  const timing = r.open.map((o) => {
    const b = o.breakdown;
    return [
      String(o.threshold),
      `${o.stored.snapshots} / ${o.stored.trailingUpdates}`,
      o.coldOpenMs.map(ms).join(', '),
      ms(b.fetch),
      ms(b.verify),
      ms(b.decrypt),
      ms(b.apply),
      ms(coldMedian(o) - b.fetch - b.verify - b.decrypt - b.apply),
      ms(o.warmOpenMs[0] ?? Number.NaN),
      ms(o.warmCaughtUpMs[0] ?? Number.NaN),
      ms(o.buildMs / 1000),
    ];
  });
  const bytes = r.open.map((o) => [
    String(o.threshold),
    String(o.stored.updateEnvelopes),
    kb(o.stored.heldNow),
    kb(o.stored.afterRetention),
    kb(o.stored.snapshotBytes),
    kb(o.stored.live),
    kb(o.finalStateBytes),
    kb(o.trailingPlainBytes),
    kb(2 * (o.finalStateBytes + o.trailingPlainBytes)),
    kb(o.finalTextBytes),
  ]);
  const chosen = recommendThreshold(r.open);
  const edits = r.open[0]?.edits ?? 0;
  return `## Opening a ${edits}-edit document

Stock relay cold open (fresh \`WebsocketProvider\` syncing from the relay): ${r.baselineOpen.syncMs.map(ms).join(', ')} ms. Hocuspocus + SQLite cold open (fresh \`HocuspocusProvider\`; the document is still loaded in its memory): ${r.hocuspocusOpen.syncMs.map(ms).join(', ')} ms; it stores the document as one SQLite row of its Yjs state, ${kb(r.hocuspocusOpen.storedBytes)}.

${table(['Threshold', 'Snapshots / trailing updates', 'Cold opens (ms)', 'Fetch (join)', 'Verify', 'Decrypt', 'Apply', 'Rest: local writes + bookkeeping', 'Warm open (local)', 'Warm + catch-up', 'Build (s)'], timing)}

The breakdown repeats a cold open's work piece by piece on what the server returned (medians of 3 joins and 5 passes): the \`join\` round trip, the signature check of every envelope, AEAD decryption alone (stream key derivation and AES-256-GCM-SIV), and \`Y.applyUpdate\` into a fresh document. *Rest* is the cold open's median minus those: what the agent does besides — its durable local writes (one profile transaction per received envelope, with the document row and the stream state), and the bookkeeping of a device that was added a moment before.

### Bytes on the server for that document

${table(['Threshold', 'Update envelopes', 'Held now', 'After retention', 'of which snapshots', 'Live (active snapshot + trailing)', 'Final Yjs state', 'Trailing updates (plaintext)', 'Goal bound 2 × (state + trailing)', 'Plaintext text'], bytes)}

### Compaction threshold

Rule (bench/results.ts): the largest threshold whose cold open is within 20 % of the fastest measured — a lower threshold seals more snapshots (CPU, upload, and history the server keeps), worth it only while it still makes opening faster. This run recommends **${chosen === undefined ? 'n/a' : String(chosen.threshold)}**; the agent default is ${r.defaults.compactionThreshold}.`;
}

function memorySection(r: BenchResults): string {
  const rows = [r.memory.yp, r.memory.baseline].map((m) => [
    SYSTEM_NAME[m.system],
    String(m.devices),
    kb(m.before.rss),
    kb(m.after.rss),
    kb(m.rssPerDevice),
    kb(m.heapPerDevice),
  ]);
  return `## Server memory per idle connected device

${table(['System', 'Devices', 'RSS before', 'RSS after', 'RSS per device', 'Heap per device'], rows)}`;
}

function transparencySection(r: BenchResults): string {
  const t = r.transparency;
  const us = (v: number): string => v.toFixed(1);
  const rows = [
    ['Inclusion proof of one certificate', `${t.inclusionHashes.toFixed(1)} hashes, ${t.inclusionBytes.toFixed(0)} B (${t.inclusionJsonBytes.toFixed(0)} B as a bundle carries it)`],
    ['Relying on one certificate (its id, leaf hash, inclusion proof)', `${us(t.verifyUsPerCertificate)} µs`],
    ['Consistency proof from a random earlier head', `${t.consistencyBytesMean.toFixed(0)} B mean, ${t.consistencyBytesMax} B largest`],
    ['Verifying one consistency proof', `${us(t.consistencyVerifyUs)} µs`],
    ["Checking one head's signature (once per bundle)", `${us(t.headVerifyUs)} µs`],
  ];
  return `## Transparency log proofs (${t.leaves} certificates in the log)

What an agent pays to rely on a certificate only with a proof that it is in the log every member and monitor reads (no baseline: the plaintext relay has no such thing).

${table(['Figure', 'Value'], rows)}`;
}

/** The profiled generator's largest modules, as a sentence (empty when none was profiled). */
function generatorShares(r: BenchResults): string {
  const g = r.generatorProfile;
  if (g === undefined) return '';
  const shares = g.summary.byModule.slice(0, 5).map((m) => `${pct(m.share)} in ${m.name}`);
  return ` A profiled generator process (*Where a load generator's CPU went*) spent ${shares.join(', ')}.`;
}

function whereTimeGoes(r: BenchResults): string {
  const missed = goalRows(r).filter((g) => g.met === false);
  if (missed.length === 0) return '## Where the time goes\n\nEvery goal was met in this run.';
  const lines: string[] = [];
  const h = r.hops;
  if (missed.some((g) => g.figure.startsWith('Propagation'))) {
    lines.push(
      `- **Propagation.** On an idle pair of agents the push leaves the sender ${ms(h.pushSent)} ms after the edit (the ${r.defaults.mergeWindowMs} ms merge window, then durable profile writes at ${ms(r.commitMs.disk)} ms per commit on this disk — the merged update, its outbox entry and the clock it is sent with in one transaction — and sealing), the server's ack is back after ${ms(h.acked)} ms (signature verification, membership and clock checks, a store transaction), the receiver has the notice at ${ms(h.noticed)} ms (the relay fans out as soon as the store has judged the envelope, while its commit runs; the sender's ack waits for the commit) and the edit is in its document at ${ms(h.applied)} ms (verify, decrypt, apply; the profile commit that records it follows and does not wait for the disk). The baseline relay does none of this: it applies the update in memory and forwards it at once. Every step here runs after an idle pause, and on this machine work after idle is slower than back to back — sealing one envelope: ${idleText(r)} — so a lone edit's hops cost several times what the same code costs under load, and the more code a hop runs, the more it pays. Under load the in-process rows add queueing in the generator processes that run the agents (see *Generator CPU* and *Generator late*).`,
    );
    for (const row of inProcess(r).filter((p) => p.generatorLateP99 > 100 || p.clientCpu > 0.9)) {
      const why =
        row.clientCpu >= 0.75 * Math.min(row.generators, r.environment.cores)
          ? `used ${pct(row.clientCpu)} of a core together, close to all they can get on ${r.environment.cores} cores shared with the server: every agent's sealing, verification, decryption and local writes run there, where real users each have their own machine,`
          : `used ${pct(row.clientCpu)} of a core together; each is one event loop for ${Math.round((row.workspaces * row.clientsPerWorkspace) / row.generators)} agents, and every edit costs its sender a seal and a durable write and each other member a verification, a decryption and a durable write on that same loop, so a burst of edits keeps a loop busy for tens to hundreds of ms even when the process averages under a core,`;
      lines.push(
        `- **${row.workspaces} × ${row.clientsPerWorkspace} in-process agents: bound by the load generators, not only the relay.** The ${row.generators} generator process${row.generators === 1 ? '' : 'es'} running all ${row.workspaces * row.clientsPerWorkspace} agents ${why} and ran their edits up to ${ms(row.generatorLateP99)} ms late (p99), while the server used ${pct(row.serverCpu)} of a core. Part of the latency here is queueing in the clients' processes; the relay's own capacity is in the throughput section.${generatorShares(r)}`,
      );
    }
  }
  const tp = r.throughputProfile;
  if (missed.some((g) => g.figure.startsWith('Relay throughput')) && tp !== undefined) {
    const smallest = r.throughput[0]?.yp.payloadBytes;
    const share = smallest === undefined ? undefined : checkBudget(r, smallest);
    const checkText =
      share === undefined
        ? ''
        : ` At ${String(smallest)} B the signature check alone takes ${pct(share.checkUs / share.allowedUs)} of the server CPU per update that the goal allows (*What the goal leaves per update* in the throughput section).`;
    lines.push(
      `- **Throughput.** The server is CPU-bound (see *Server CPU*); its profile puts ${tp.byModule
        .slice(0, 4)
        .map((m) => `${pct(m.share)} in ${m.name}`)
        .join(', ')}. Per envelope it verifies an XEdDSA signature, checks membership against its cached chain state (brought up to date from the store only once another writer has committed, at most once per workspace per event-loop turn) and the author's device, inserts it in a transaction shared with the envelopes of the same event-loop turn (which reads and writes each clock, snapshot reference and sequence once for all of them) and emits a binary socket.io packet (its JSON and the encoded envelope in one WebSocket frame) to every receiver and the ack, where the baseline applies a small update to an in-memory document and forwards one websocket frame.${checkText}`,
    );
  }
  const open = defaultOpenRow(r);
  if (open !== undefined && missed.some((g) => g.figure.startsWith('Cold open'))) {
    const b = open.breakdown;
    const cold = coldMedian(open);
    const rest = cold - b.fetch - b.verify - b.decrypt - b.apply;
    const envelopes = open.stored.trailingUpdates + 1;
    lines.push(
      `- **Cold open** (threshold ${open.threshold}, a snapshot and ${open.stored.trailingUpdates} trailing updates, ${kb(open.stored.live)}): of ${ms(cold)} ms, the join round trip takes ${ms(b.fetch)} ms, signature checks ${ms(b.verify)} ms, decryption ${ms(b.decrypt)} ms and applying ${ms(b.apply)} ms; the remaining ${ms(rest)} ms are the agent's own work: its durable local writes (one profile transaction per received envelope, ${envelopes} × ${ms(r.commitMs.disk)} ms of commit alone on this disk, plus the document rows, the snapshot row and the stream state), and the bookkeeping of a device that was added a moment ago (its membership chain, keys and identities are stored in the same profile while it opens). This run does not split that remainder further. Fewer trailing updates (the threshold) and catching up in one local transaction per batch instead of one per envelope are the levers.`,
    );
  }
  if (open !== undefined && missed.some((g) => g.figure.startsWith('Bytes stored'))) {
    lines.push(
      `- **Stored bytes** (threshold ${open.threshold}): after retention the server holds ${kb(open.stored.afterRetention)}, of which ${kb(open.stored.snapshotBytes)} are the ${open.stored.snapshots} snapshots thinning kept (before the window: ${kb(open.stored.heldNow)}); the live set a joiner needs is ${kb(open.stored.live)} against a goal bound of ${kb(2 * (open.finalStateBytes + open.trailingPlainBytes))}. Each update envelope carries a header, nonce, tag and 64-byte signature besides its few bytes of Yjs update.`,
    );
  }
  if (missed.some((g) => g.figure.startsWith('Server RSS'))) {
    const m = r.memory.yp;
    lines.push(
      `- **Memory.** Per idle device the server's RSS grew ${kb(m.rssPerDevice)}, of which ${kb(m.heapPerDevice)} is JavaScript heap (socket.io socket, engine.io transport, room membership, the session and rate-limit state); the rest is native buffers of the websocket and TLS-less TCP connection.`,
    );
  }
  return `## Where the time goes (goals missed in this run)\n\n${lines.join('\n')}`;
}

function guardSection(r: BenchResults): string {
  const verdicts = judge(guardChecks(r));
  const rows = verdicts.map((v) => [v.figure, ratio(v.ratio), `${v.bound === 'max' ? '≤' : '≥'} ${v.limit}×`, v.ok ? 'pass' : '**FAIL**']);
  return `## Regression guard

bench/guard.ts: \`npm run bench\` (and the quick run CI makes through bench/run.test.ts) exits with an error when one of these ratios of figures measured in this run crosses its limit — only gross regressions, never absolute times, so a busy machine that slows every system alike does not fail it. Propagation is judged at the quick run's scales (up to ${GUARDED_MAX_WORKSPACES} workspaces) in a full run too: at larger scales the load generators run every agent on the server's cores, and those rows are judged against their goals in the ratio table above, not guarded.

${table(['Ratio', 'This run', 'Limit', 'Verdict'], rows)}`;
}

/** Render the whole report. */
export function renderReport(r: BenchResults): string {
  const problems = `Problems reported by the in-process agents during the run (verification failures, refusals, clock gaps): ${r.problems}.`;
  return [header(r), method(r), goalsSection(r), guardSection(r), propagationSection(r), sweepSection(r), throughputSection(r), openSection(r), memorySection(r), transparencySection(r), whereTimeGoes(r), problems].join('\n\n') + '\n';
}
