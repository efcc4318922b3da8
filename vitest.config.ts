import { defineConfig } from 'vitest/config';

// One runner for every workspace: unit tests sit next to the code, cross-process
// and browser tests live in test/. Nothing is skipped in CI.
export default defineConfig({
  test: {
    include: ['crypto/**/*.test.ts', 'server/**/*.test.ts', 'client/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
