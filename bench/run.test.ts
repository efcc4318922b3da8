/**
 * Smoke test of the bench: `npm run bench -- --quick` (tiny sizes) runs every
 * measurement end to end and writes a report with every row of the ratio table and
 * every section. It checks that the code runs and the report is complete; the numbers
 * belong in BENCHMARKS.md, and the only judgement of them is the regression guard's
 * (bench/guard.ts: gross regressions of same-run ratios make the run exit non-zero).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'yp-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The rows of the ratio table, by the start of their first cell. */
function ratioRows(report: string): string[] {
  const section = report.split('## Ratios against the baseline and the goals')[1]?.split('\n## ')[0] ?? '';
  return section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Figure') && !line.startsWith('| ---'));
}

describe('npm run bench -- --quick', () => {
  it('measures everything and writes a complete report', () => {
    const out = join(dir, 'BENCHMARKS.md');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
      cwd: resolve(import.meta.dirname, '..'),
      encoding: 'utf8',
      timeout: 420_000,
    });
    // A non-zero status is also how the regression guard (bench/guard.ts) fails CI.
    expect(run.status, run.stderr).toBe(0);
    const report = readFileSync(out, 'utf8');
    for (const section of [
      '## Machine and software',
      '## Method',
      '## Ratios against the baseline and the goals',
      '## Regression guard',
      '## Edit propagation latency (ms)',
      '### One edit hop by hop',
      '### Merge window',
      "### Where a load generator's CPU went",
      '## Relay throughput at saturation (one server process)',
      '## Opening a 120-edit document',
      '### Bytes on the server for that document',
      '### Compaction threshold',
      '## Server memory per idle connected device',
      '## Transparency log proofs',
    ]) {
      expect(report).toContain(section);
    }
    const rows = ratioRows(report);
    const figures = rows.map((row) => row.split(' | ')[0]?.slice(2) ?? '');
    for (const figure of [
      'Propagation p50, 1 workspace × 3 clients',
      'Propagation p99, 1 workspace × 3 clients',
      'Propagation p50, 2 workspaces × 3 clients',
      'Propagation p99, 2 workspaces × 3 clients',
      'Propagation p50 vs Hocuspocus + SQLite, 1 workspace × 3 clients',
      'Propagation p99 vs Hocuspocus + SQLite, 1 workspace × 3 clients',
      'Propagation p50 vs Hocuspocus + SQLite, 2 workspaces × 3 clients',
      'Propagation p99 vs Hocuspocus + SQLite, 2 workspaces × 3 clients',
      'Server CPU-seconds per 1 000 edits, 2 workspaces × 3 clients',
      'Propagation p50, agent processes + local WebsocketProviders, 1 workspace × 3',
      'Propagation p99, agent processes + local WebsocketProviders, 1 workspace × 3',
      'Relay throughput, 64-byte updates to 2 receivers',
      'Cold open, 120-edit document (threshold 50)',
      'Cold open vs Hocuspocus + SQLite, 120-edit document (threshold 50)',
      'Bytes stored for that document vs Hocuspocus + SQLite (threshold 50)',
      'Bytes stored for that document after compaction (threshold 50)',
      'Server RSS per idle connected device (10 devices)',
      'Warm open from the local cache after an agent restart (threshold 50)',
    ]) {
      expect(figures).toContain(figure);
    }
    // Every row carries measured values, and every row with a goal a verdict.
    for (const row of rows) {
      expect(row).not.toContain('n/a');
      expect(row).toMatch(/(\*\*(met|missed)\*\*|\| — \| —) \|$/);
    }
    // The profiled generator process's agents: shares of a real profile, largest first.
    const generator = report.split("### Where a load generator's CPU went")[1]?.split('\n## ')[0] ?? '';
    expect(generator).toMatch(/One more Yhteispöytä run at 2 × 3, kept out of the table above \(its p50 was [\d.]+ ms\), with its first generator process — 3 in-process agents — under the V8 CPU profiler \(self time; [\d ]+ ms sampled\)/);
    const shares = [...generator.matchAll(/^\| (?!Module|Function|---).+ \| ([\d.]+) % \|$/gm)].map((m) => Number(m[1]));
    expect(shares.length).toBeGreaterThan(4);
    expect(shares[0]).toBeGreaterThan(0);
    // What idle costs on this machine, measured in the run (bench/idle-penalty.ts).
    expect(report).toMatch(/\| Sealing one envelope \(bench\/idle-penalty\.ts\) \| \d+ µs back to back, \d+ µs after 1 ms idle, \d+ µs after 4 ms idle/);
    expect(report).toMatch(/This run recommends \*\*\d+ ms\*\*/);
    expect(report).toMatch(/This run recommends \*\*\d+\*\*/);
    // The many-workspace rows ran their clients in several generator processes, with their lateness reported.
    expect(report).toMatch(/\| Yhteispöytä \| in-process agents \| 2 × 3 \| 2 \|/);
    expect(report).toMatch(/\| Hocuspocus \+ SQLite \| HocuspocusProvider clients \| 2 × 3 \| 2 \|/);
  }, 450_000);
});
