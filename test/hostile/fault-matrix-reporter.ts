/**
 * A vitest reporter that prints the fault matrix when the run ends, merged from the parts
 * the hostile-relay test files wrote during this run only (parts left by earlier runs of
 * files that did not run now are ignored), and rewrites test-artifacts/fault-matrix.json
 * from them. Use it next to the default reporter:
 * `vitest run --reporter=default --reporter=./test/hostile/fault-matrix-reporter.ts`.
 */
import type { Reporter } from 'vitest/node';
import { formatMatrix, matrixFile, readParts, writeMerged } from './fault-matrix';

/** Prints the merged fault matrix of this run. */
export default class FaultMatrixReporter implements Reporter {
  readonly #startedAt = Date.now();

  onTestRunEnd(): void {
    const parts = readParts().filter((p) => p.writtenAt >= this.#startedAt);
    if (parts.length === 0) return;
    const rows = writeMerged(parts);
    process.stdout.write(`\nHostile-relay fault matrix (${matrixFile()})\n${formatMatrix(rows)}\n`);
  }
}
