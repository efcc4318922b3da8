/**
 * The one server process a fuzz run hammers: `server/src/main.ts` started with the
 * integration harness's {@link spawnProduct} (so the pid is the server itself), with a
 * known admin token (admin routes are fuzzed with valid credentials too), generous rate
 * limits (so requests reach the code behind them), and its resident memory readable from
 * /proc while it runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_ADMIN_TOKEN } from '@yhteispoyta/server/http/certified.testkit';
import { spawnProduct } from '../integration/child-process';
import type { ProductProcess } from '../integration/child-process';
import { WaitAborted, waitFor } from '../integration/wait-for';

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:(\d+))/;

/** A running fuzz target. */
export interface FuzzServer {
  readonly url: string;
  readonly pid: number;
  readonly adminToken: string;
  readonly storePath: string;
  readonly process: ProductProcess;
  /** resident set size in bytes now, or undefined when the process is gone */
  rss(): number | undefined;
  /** whether `GET /health` answers 200 `{ status: 'ok' }` within a few seconds */
  healthy(): Promise<boolean>;
  /** the log lines pino wrote at level error (50) or fatal (60) */
  errorLogLines(): string[];
  stop(): Promise<void>;
}

/** Read VmRSS of a process from /proc (Linux). */
function residentBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/**
 * The V8 heap limit the fuzz target runs with. Without one, V8 on a large machine lets
 * garbage from multi-megabyte hostile payloads pile up to gigabytes before collecting
 * it, which looks like growth but is not; with one, memory that is really kept (a leak)
 * ends the process with an out-of-memory crash, which the run detects.
 */
export const FUZZ_SERVER_HEAP_MB = 256;

/** Start the server in `dir` (store, logs, TMPDIR) on a free port. */
export async function startFuzzServer(dir: string, env: Readonly<Record<string, string>> = {}, heapMb = FUZZ_SERVER_HEAP_MB): Promise<FuzzServer> {
  const adminToken = TEST_ADMIN_TOKEN;
  const storePath = join(dir, 'server.db');
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  const proc = spawnProduct({
    entry: 'server/src/main.ts',
    name: 'fuzz-server',
    logDir: dir,
    env: {
      ...base,
      TMPDIR: dir,
      NODE_OPTIONS: `--max-old-space-size=${heapMb}`,
      HOST: '127.0.0.1',
      PORT: '0',
      STORE: 'sqlite',
      SQLITE_PATH: storePath,
      ADMIN_TOKEN: adminToken,
      // Refusals are logged at info; the run only needs errors, and 100 000 info lines would be noise.
      LOG_LEVEL: 'warn',
      RATE_PER_IP_PER_MINUTE: '100000000',
      RATE_PER_DEVICE_PER_MINUTE: '100000000',
      ...env,
    },
  });
  const found = await waitFor(
    () => {
      if (!proc.running()) throw new WaitAborted(`the fuzz server exited during start: ${proc.stderr().slice(-2000)}`);
      return LISTENING.exec(proc.stdout()) ?? undefined;
    },
    { timeoutMs: 60_000, what: 'the fuzz server to listen' },
  ).catch(async (error: unknown) => {
    await proc.stop('SIGKILL');
    throw error;
  });
  const url = found[1] ?? '';
  return {
    url,
    pid: proc.pid,
    adminToken,
    storePath,
    process: proc,
    rss: () => residentBytes(proc.pid),
    async healthy() {
      if (!proc.running()) return false;
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
        const body: unknown = await res.json();
        return res.status === 200 && typeof body === 'object' && body !== null && (body as { status?: unknown }).status === 'ok';
      } catch {
        return false;
      }
    },
    errorLogLines() {
      return `${proc.stdout()}\n${proc.stderr()}`
        .split('\n')
        .filter((line) => /"level":(50|60)\b/.test(line) || /^\s*(Error|TypeError|RangeError)\b/.test(line));
    },
    async stop() {
      await proc.stop('SIGTERM');
    },
  };
}
