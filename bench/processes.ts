/**
 * Starting the measured processes: the Yhteispöytä server and the baseline relay as
 * forked children of child.ts (IPC for memory samples), and client agents as
 * `npm run agent` children driven through their local API.
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { ChildMessage, MemorySample, ParentMessage } from './child';

/** The repository root (where `npm run agent` and `tsx` resolve). */
export const REPO_ROOT = resolve(import.meta.dirname, '..');

/** A measured server process. */
export interface MeasuredProcess {
  readonly url: string;
  readonly pid: number;
  /** memory after a GC settle in the child */
  memory(): Promise<MemorySample>;
  /** start the child's V8 CPU profiler */
  startProfile(): Promise<void>;
  /** stop it and write the `.cpuprofile` to `file` */
  stopProfile(file: string): Promise<void>;
  /** stop it (SIGTERM) and wait */
  close(): Promise<void>;
}

/** Options of {@link startMeasured}. */
export interface MeasuredOptions {
  /** environment added to this process's */
  readonly env?: Record<string, string>;
  /** arguments after the kind (hocuspocus: its SQLite file) */
  readonly args?: readonly string[];
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await waitExit(child);
  clearTimeout(timer);
}

/** Fork child.ts as `server`, `baseline` or `hocuspocus`; resolves once it listens. */
export function startMeasured(kind: 'server' | 'baseline' | 'hocuspocus', opts: MeasuredOptions = {}): Promise<MeasuredProcess> {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  // The baseline is the stock relay: no persistence, no callbacks, whatever the caller's shell has set.
  delete env.YPERSISTENCE;
  delete env.CALLBACK_URL;
  const execArgv = ['--import', 'tsx', '--expose-gc'];
  const child = fork(resolve(REPO_ROOT, 'bench', 'child.ts'), [kind, ...(opts.args ?? [])], { cwd: REPO_ROOT, env, execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const memoryWaiters: ((sample: MemorySample) => void)[] = [];
  const profileWaiters: (() => void)[] = [];
  const ask = (message: ParentMessage): void => {
    child.send(message);
  };
  return new Promise((resolveStart, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${kind} process exited (${code}) before listening:\n${output}`));
    child.once('exit', onExit);
    child.on('message', (raw: unknown) => {
      const message = raw as ChildMessage;
      if (message.type === 'memory') {
        const { rss, heapUsed, external, arrayBuffers } = message;
        memoryWaiters.shift()?.({ rss, heapUsed, external, arrayBuffers });
        return;
      }
      if (message.type === 'profiling' || message.type === 'profiled') {
        profileWaiters.shift()?.();
        return;
      }
      child.off('exit', onExit);
      resolveStart({
        url: message.url,
        pid: child.pid ?? 0,
        memory: () =>
          new Promise((done) => {
            memoryWaiters.push(done);
            ask({ type: 'memory' });
          }),
        startProfile: () =>
          new Promise((done) => {
            profileWaiters.push(done);
            ask({ type: 'profile-start' });
          }),
        stopProfile: (file: string) =>
          new Promise((done) => {
            profileWaiters.push(done);
            ask({ type: 'profile-stop', file });
          }),
        close: () => stop(child),
      });
    });
  });
}

/** A client agent running as its own process (`npm run agent`), with its local API. */
export interface AgentProcess {
  readonly name: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** the per-start API token */
  readonly token: string;
  /** JSON call to the agent's local API */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

const readyLineSchema = z.object({ event: z.literal('ready'), url: z.string(), port: z.number(), token: z.string(), pid: z.number() });

/**
 * Start `npm run agent -- --server URL --profile NAME --create --dir DIR` with the
 * passphrase in the environment, and wait for its JSON ready line.
 */
export function startAgentProcess(opts: {
  readonly name: string;
  readonly serverUrl: string;
  readonly profilesDir: string;
  readonly args?: readonly string[];
}): Promise<AgentProcess> {
  const args = ['run', '--silent', 'agent', '--', '--server', opts.serverUrl, '--profile', opts.name, '--create', '--dir', opts.profilesDir, '--port', '0', '--log-level', 'warn', ...(opts.args ?? [])];
  const child = spawn('npm', args, {
    cwd: REPO_ROOT,
    env: { ...process.env, YHTEISPOYTA_PASSPHRASE: `${opts.name} bench passphrase` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      void stop(child);
      reject(new Error(`agent ${opts.name} did not start within 120 s:\n${stderr}`));
    }, 120_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`agent ${opts.name} exited (${code}) before it was ready:\n${stderr}`));
    };
    child.once('exit', onExit);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        let parsed;
        try {
          parsed = readyLineSchema.safeParse(JSON.parse(line));
        } catch {
          continue;
        }
        if (!parsed.success) continue;
        const ready = parsed.data;
        clearTimeout(timer);
        child.off('exit', onExit);
        stdout = '';
        const call = async (method: string, path: string, body?: unknown) => {
          const res = await fetch(`${ready.url}${path}`, {
            method,
            headers: { authorization: `Bearer ${ready.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          const text = await res.text();
          return { status: res.status, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
        };
        resolveStart({
          name: opts.name,
          url: ready.url,
          port: ready.port,
          token: ready.token,
          call,
          close: async () => {
            // The ready line names the agent's own Node process: npm and tsx sit in between.
            try {
              process.kill(ready.pid, 'SIGTERM');
            } catch {
              // already gone
            }
            await waitExit(child);
          },
        });
        return;
      }
    });
  });
}
