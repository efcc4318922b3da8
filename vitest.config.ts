import { defineConfig } from 'vitest/config';

// One runner for every workspace: unit tests sit next to the code, cross-process and
// browser tests live in test/. The MongoDB adapter's suite (`*.mongo.test.ts`) needs a
// server: it runs whenever MONGODB_URI is set, and .ci/run always sets it (FerretDB).
const withMongo = Boolean(process.env.MONGODB_URI);

export default defineConfig({
  test: {
    include: ['crypto/**/*.test.ts', 'server/**/*.test.ts', 'client/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', ...(withMongo ? [] : ['**/*.mongo.test.ts'])],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
