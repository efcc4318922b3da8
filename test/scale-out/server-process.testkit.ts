/**
 * Test support: the real server as its own OS process (`server/src/main.ts` under tsx,
 * exactly what `npm run server` runs), configured through the environment, stopped
 * with SIGTERM. Scale-out tests run two of them side by side.
 *
 * The admin API is on with the testkits' token (`TEST_ADMIN_TOKEN`) unless `env` sets
 * another, so server/src/http/certified.testkit.ts can register a root
 * and certify professionals through any of these processes; processes on one store share
 * one deployment root (`shareDeployment`).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { TEST_ADMIN_TOKEN } from '@yhteispoyta/server/http/certified.testkit';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** A running server process. */
export interface ServerProcess {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly pid: number;
  /** stdout and stderr so far (start-up lines, warnings) */
  output(): string;
  /** SIGTERM, and wait for the exit (SIGKILL after 10 s). */
  close(): Promise<void>;
}

/** The ready line main.ts prints: `Yhteispöytä server listening on URL`. */
const READY = /server listening on (http:\/\/\S+)/;

/**
 * Start `server/src/main.ts` with `env` added to this process's environment (ADMIN_TOKEN
 * defaulting to TEST_ADMIN_TOKEN); resolves once it listens (60 s at most).
 */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`server process did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stdout.on('data', (more: Buffer) => (output += more.toString()));
      resolveStart({ url: match[1], pid: child.pid ?? 0, output: () => output, close });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server process exited with ${code} before listening:\n${output}`));
    });
  });
}
