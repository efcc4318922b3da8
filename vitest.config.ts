import { defineConfig } from 'vitest/config';

// One runner for every workspace: unit tests sit next to the code, cross-process and
// browser tests live in test/. The MongoDB adapter's suite (`*.mongo.test.ts`) needs a
// server: it runs whenever MONGODB_URI is set, and .ci/run always sets it (FerretDB).
const withMongo = Boolean(process.env.MONGODB_URI);
const exclude = ['**/node_modules/**', '**/dist/**', ...(withMongo ? [] : ['**/*.mongo.test.ts'])];

// The cross-process and long-running suites each start real servers and agent processes
// (or hammer one): on a small machine they run one file at a time, after every other test
// has finished, with generous timeouts.
const serial = [
  'test/integration/**/*.test.ts',
  'test/crash/**/*.test.ts',
  'test/local-store/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/hostile/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/scale-out/**/*.test.ts',
  'bench/**/*.test.ts',
];

export default defineConfig({
  test: {
    // The hostile-relay tests record a fault matrix; this reporter prints it at the end.
    reporters: ['default', './test/hostile/fault-matrix-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['common/**/*.test.ts', 'crypto/**/*.test.ts', 'server/**/*.test.ts', 'client/**/*.test.ts', 'admin/**/*.test.ts', 'test/**/*.test.ts', 'test-support/**/*.test.ts'],
          exclude: [...exclude, ...serial],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: serial,
          exclude,
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 240_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
