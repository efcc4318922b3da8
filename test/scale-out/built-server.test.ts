/**
 * The server as the image runs it (Dockerfile, issue 15): built to one JavaScript bundle by
 * scripts/build-server.ts and started by plain `node` — no TypeScript loader — in production
 * mode. Without STORE_KEY it refuses to start with a readable message; configured, it serves
 * the public API on one listener and the admin API only on the other, and stops on SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
// Inside the repository, so the bundle's imports resolve from its node_modules as in the image.
mkdirSync(join(ROOT, 'server', 'dist'), { recursive: true });
const outDir = mkdtempSync(join(ROOT, 'server', 'dist', 'test-'));
const bundle = join(outDir, 'main.mjs');
const dataDir = mkdtempSync(join(tmpdir(), 'yhteispoyta-built-'));
const ADMIN_TOKEN = 'a-built-server-admin-token-0123456789';

beforeAll(() => {
  const built = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'build-server.ts'), bundle], { cwd: ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

function startBuilt(env: Record<string, string>) {
  // Nothing inherited that could choose a store or a loader (CI's MONGODB_URI, NODE_OPTIONS).
  const child = spawn(process.execPath, [bundle], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('the built server', () => {
  it('is plain JavaScript that loads no TypeScript loader', () => {
    const code = readFileSync(bundle, 'utf8');
    expect(code).not.toMatch(/from ["']tsx|import\(["']tsx/);
    expect(code).not.toMatch(/from ["']@yhteispoyta\//);
  });

  it('refuses to start in production without STORE_KEY, saying why', async () => {
    const run = startBuilt({ PORT: '0', SQLITE_PATH: join(dataDir, 'refused.db') });
    expect(await run.exited).toBe(1);
    expect(run.output().stderr).toContain('Invalid server configuration');
    expect(run.output().stderr).toContain('STORE_KEY: is required when NODE_ENV=production');
    expect(run.output().stdout).toBe('');
  }, 30_000);

  it('serves the public API and, on its own listener only, the admin API; exits 0 on SIGTERM', async () => {
    const run = startBuilt({
      HOST: '127.0.0.1', PORT: '0', ADMIN_PORT: '0', ADMIN_TOKEN, STORE_KEY: 'c4'.repeat(32), SQLITE_PATH: join(dataDir, 'server.db'), LOG_LEVEL: 'warn',
    });
    try {
      const urls = await vi.waitFor(() => {
        const publicUrl = /Yhteispöytä server listening on (http:\S+)/.exec(run.output().stdout)?.[1];
        const adminUrl = /admin API listening on (http:\S+)/.exec(run.output().stdout)?.[1];
        if (publicUrl === undefined || adminUrl === undefined) throw new Error(`not listening yet: ${run.output().stderr}`);
        return { publicUrl, adminUrl };
      }, { timeout: 20_000, interval: 50 });
      expect(await (await fetch(`${urls.publicUrl}/health`)).json()).toMatchObject({ status: 'ok' });
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
      expect((await fetch(`${urls.publicUrl}/v1/admin/orgs`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${urls.adminUrl}/v1/admin/orgs`, { headers: auth })).status).toBe(200);
      // The sqlite store is encrypted: its file does not start with the plain SQLite header.
      expect(readFileSync(join(dataDir, 'server.db')).subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);
  }, 60_000);
});
