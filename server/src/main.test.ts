/**
 * `npm run server` as a real process: a bad configuration is reported and exits 1
 * before anything starts; a good one prints the URL, serves, and shuts down cleanly
 * (exit 0) on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'yhteispoyta-main-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function startMain(env: Record<string, string>) {
  // The inherited environment may carry a MONGODB_URI (CI's FerretDB); these cases set their own store.
  const { MONGODB_URI: _inherited, ...inherited } = process.env;
  const child = spawn(tsx, ['server/src/main.ts'], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('main', () => {
  it('reports an invalid configuration and exits 1', async () => {
    const main = startMain({ PORT: 'eighty', STORE: 'mongo' });
    expect(await main.exited).toBe(1);
    expect(main.output().stderr).toContain('Invalid server configuration');
    expect(main.output().stderr).toContain('PORT');
    expect(main.output().stderr).toContain('MONGODB_URI');
    expect(main.output().stdout).toBe('');
  });

  it('prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const main = startMain({ HOST: '127.0.0.1', PORT: '0', SQLITE_PATH: join(dir, 'server.db'), LOG_LEVEL: 'silent' });
    const url = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(main.output().stdout)?.[1]);
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toEqual({ status: 'ok', protocol: 2 });
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
  });
});
