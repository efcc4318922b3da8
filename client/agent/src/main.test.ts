import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
let dir: string;
const children: ChildProcessWithoutNullStreams[] = [];

interface Ready {
  readonly event: 'ready';
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly pid: number;
}

/** `npm run agent -- …` as a real child process in its own process group. */
function runAgent(args: string[], env: Record<string, string> = {}): { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string } {
  const child = spawn('npm', ['run', '--silent', 'agent', '--', ...args], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    detached: true,
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return { child, stdout: () => out, stderr: () => err };
}

function waitForReady(run: ReturnType<typeof runAgent>): Promise<{ ready: Ready; human: string }> {
  return new Promise((resolvePromise, reject) => {
    const check = () => {
      const lines = run.stdout().split('\n');
      const json = lines.find((line) => line.startsWith('{"event":"ready"'));
      const human = lines.find((line) => line.startsWith('agent ready: '));
      if (json !== undefined && human !== undefined) {
        run.child.stdout.off('data', check);
        resolvePromise({ ready: JSON.parse(json) as Ready, human });
      }
    };
    run.child.stdout.on('data', check);
    run.child.once('exit', (code) => reject(new Error(`agent exited with ${code}: ${run.stderr()}`)));
  });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));
}

async function status(ready: Ready): Promise<unknown> {
  const res = await fetch(`${ready.url}/api/status`, { headers: { authorization: `Bearer ${ready.token}` } });
  return res.json();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-main-'));
});
afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run agent', () => {
  it('prints its ready lines, serves the API on 127.0.0.1 and stops cleanly on SIGTERM', async () => {
    const run = runAgent(['--server', 'http://127.0.0.1:9', '--dir', dir]);
    const { ready, human } = await waitForReady(run);
    expect(ready.url).toBe(`http://127.0.0.1:${ready.port}`);
    expect(ready.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(human).toBe(`agent ready: ${ready.url}/#token=${ready.token}`);
    expect(await status(ready)).toEqual({ status: { state: 'locked', serverUrl: 'http://127.0.0.1:9', revision: expect.any(Number) } });
    expect(run.stderr()).not.toContain(ready.token);

    process.kill(ready.pid, 'SIGTERM');
    expect(await exitOf(run.child)).toBe(0);
    expect(run.stderr()).toContain('"msg":"stopped"');
  }, 60_000);

  it('creates and unlocks --profile non-interactively with YHTEISPOYTA_PASSPHRASE, and fails fast on a wrong one', async () => {
    const args = ['--server', 'http://127.0.0.1:9', '--dir', dir, '--profile', 'anna'];
    const first = runAgent([...args, '--create'], { YHTEISPOYTA_PASSPHRASE: 'oikea salasana' });
    const { ready } = await waitForReady(first);
    expect(await status(ready)).toMatchObject({ status: { state: 'unlocked', profile: 'anna' } });
    expect(first.stderr()).not.toContain('oikea salasana');
    process.kill(ready.pid, 'SIGINT');
    expect(await exitOf(first.child)).toBe(0);

    const wrong = runAgent(args, { YHTEISPOYTA_PASSPHRASE: 'väärä' });
    expect(await exitOf(wrong.child)).toBe(1);
    expect(wrong.stderr()).toContain('profile anna: The passphrase is not correct. Nothing was changed. (wrong_passphrase)');
    expect(wrong.stdout()).not.toContain('agent ready');
  }, 90_000);

  it('keeps its address across restarts — the same port and token — and takes a free port when its own was taken meanwhile', async () => {
    const args = ['--server', 'http://127.0.0.1:9', '--dir', dir];
    const stop = async (run: ReturnType<typeof runAgent>, ready: Ready) => {
      process.kill(ready.pid, 'SIGTERM');
      expect(await exitOf(run.child)).toBe(0);
    };
    const first = runAgent(args);
    const { ready: before } = await waitForReady(first);
    expect((statSync(join(dir, 'agent-address.json')).mode & 0o777).toString(8)).toBe('600');
    await stop(first, before);

    // The address printed at the first start opens the restarted agent: a bookmark or an open tab keeps working.
    const second = runAgent(args);
    const { ready: after, human } = await waitForReady(second);
    expect({ port: after.port, token: after.token }).toEqual({ port: before.port, token: before.token });
    expect(human).toBe(`agent ready: ${before.url}/#token=${before.token}`);
    expect(await status(after)).toMatchObject({ status: { state: 'locked' } });
    await stop(second, after);

    // Someone else listens on the remembered port now: a free port, remembered from then on, with the same token.
    const squatter = createServer();
    await new Promise<void>((resolvePromise) => squatter.listen(before.port, '127.0.0.1', resolvePromise));
    try {
      const third = runAgent(args);
      const { ready: moved } = await waitForReady(third);
      expect(moved.port).not.toBe(before.port);
      expect(moved.token).toBe(before.token);
      await stop(third, moved);
      expect(JSON.parse(readFileSync(join(dir, 'agent-address.json'), 'utf8'))).toEqual({ v: 1, port: moved.port, token: before.token });
    } finally {
      await new Promise((resolvePromise) => squatter.close(resolvePromise));
    }

    // An unreadable file is no reason not to start: a new address.
    writeFileSync(join(dir, 'agent-address.json'), '{ not json');
    const fourth = runAgent(args);
    const { ready: fresh } = await waitForReady(fourth);
    expect(fresh.token).not.toBe(before.token);
    await stop(fourth, fresh);
  }, 120_000);

  it('refuses an invalid configuration with readable errors and exit code 2', async () => {
    const run = runAgent(['--port', 'many', '--dir', dir]);
    expect(await exitOf(run.child)).toBe(2);
    expect(run.stderr()).toContain('--server: is required');
    expect(run.stderr()).toContain('--port:');
    expect(run.stderr()).toContain('Usage: npm run agent');
  }, 60_000);
});
