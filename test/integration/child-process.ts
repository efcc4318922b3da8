/**
 * Product processes for cross-process tests: a TypeScript entry point run by Node with
 * tsx's loader (`node --import tsx`, so the pid IS the product process and SIGKILL
 * reaches it, with no npm or tsx wrapper in between), in its own process group, with
 * stdout and stderr written straight to files (nothing is lost if the test process is
 * busy, and the files can be scanned afterwards).
 *
 * Every spawned process is remembered until it exits; if the test worker itself exits
 * without cleaning up, the exit hook kills what is left, so no test run leaks processes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: cwd of every product process (tsx and the workspaces resolve from it). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running product process. */
export interface ProductProcess {
  readonly pid: number;
  /** file receiving the process's stdout (appended across restarts) */
  readonly stdoutPath: string;
  /** file receiving the process's stderr (appended across restarts) */
  readonly stderrPath: string;
  /** resolves when the process has exited */
  readonly exited: Promise<ProcessExit>;
  /** whether the process is still running */
  running(): boolean;
  /** Everything the process wrote to stdout so far (including earlier runs with the same files). */
  stdout(): string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Send `signal` to the process group and wait for the exit; after `graceMs` a SIGKILL follows. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ProcessExit>;
}

/** What {@link spawnProduct} runs. */
export interface SpawnOptions {
  /** entry point relative to the repository root, e.g. `server/src/main.ts` */
  readonly entry: string;
  readonly args?: readonly string[];
  /** the complete environment (nothing is inherited implicitly) */
  readonly env: Readonly<Record<string, string>>;
  /** directory for the output files */
  readonly logDir: string;
  /** base name of the output files: `<name>.stdout.log`, `<name>.stderr.log` */
  readonly name: string;
}

/** Start a product process; its output is appended to `<logDir>/<name>.std{out,err}.log`. */
export function spawnProduct(opts: SpawnOptions): ProductProcess {
  const stdoutPath = join(opts.logDir, `${opts.name}.stdout.log`);
  const stderrPath = join(opts.logDir, `${opts.name}.stderr.log`);
  const out = openSync(stdoutPath, 'a');
  const err = openSync(stderrPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', 'tsx', opts.entry, ...(opts.args ?? [])], {
      cwd: REPO_ROOT,
      env: { ...opts.env },
      stdio: ['ignore', out, err],
      detached: true,
    });
  } finally {
    // The child holds its own copies of the descriptors.
    closeSync(out);
    closeSync(err);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${opts.name} did not start`);
  live.add(child);
  const exited = new Promise<ProcessExit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolveExit({ code, signal });
    });
  });
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    pid,
    stdoutPath,
    stderrPath,
    exited,
    running,
    stdout: () => read(stdoutPath),
    stderr: () => read(stderrPath),
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
      if (!running()) return exited;
      killGroup(child, signal);
      if (signal === 'SIGKILL') return exited;
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Signal the whole process group (the product may have started helpers of its own). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
