/**
 * Entry of a measured server process, forked by processes.ts with an IPC channel and
 * `--expose-gc`: `child.ts server` runs the Yhteispöytä server (startServer with the
 * environment's configuration, exactly what `npm run server` starts) and
 * `child.ts baseline` the stock y-websocket relay and `child.ts hocuspocus DB_PATH` the
 * Hocuspocus server persisting to SQLite. All answer the same messages, so every
 * server-side figure is taken the same way for every system:
 *
 *   parent → { type: 'memory' }                child → { type: 'memory', rss, heapUsed, … } after a GC settle
 *   parent → { type: 'profile-start' }         child → { type: 'profiling' } once the V8 CPU profiler runs
 *   parent → { type: 'profile-stop', file }    child → { type: 'profiled' } once the profile is written to `file`
 *   child → { type: 'ready', url } once listening
 */
import { startServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { startBaselineRelay } from './baseline-relay';
import { startHocuspocus } from './hocuspocus-server';
import { SelfProfiler } from './self-profile';

/** Memory of the process after a GC settle. */
export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Messages a child sends to its parent. */
export type ChildMessage =
  | { readonly type: 'ready'; readonly url: string }
  | ({ readonly type: 'memory' } & MemorySample)
  | { readonly type: 'profiling' }
  | { readonly type: 'profiled' };

/** Messages a parent sends to its child. */
export type ParentMessage = { readonly type: 'memory' } | { readonly type: 'profile-start' } | { readonly type: 'profile-stop'; readonly file: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Collect garbage until the heap stops shrinking (several passes: finalizers free more). */
async function settledMemory(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('child.ts needs --expose-gc');
  let last = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 10; pass++) {
    gc();
    await sleep(100);
    const used = process.memoryUsage().heapUsed;
    if (used >= last * 0.995) break;
    last = used;
  }
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  let url: string;
  if (kind === 'server') {
    const server = await startServer({ config: loadConfig(process.env) });
    url = server.url;
  } else if (kind === 'baseline') {
    url = (await startBaselineRelay()).url;
  } else if (kind === 'hocuspocus') {
    const dbPath = process.argv[3];
    if (dbPath === undefined) throw new Error('child.ts hocuspocus needs a database path');
    url = (await startHocuspocus(dbPath)).url;
  } else {
    throw new Error(`child.ts: unknown kind ${String(kind)}`);
  }
  // The profiler covers exactly the window the parent measures, not start-up.
  const profiler = new SelfProfiler();
  process.on('message', (raw: unknown) => {
    const message = raw as ParentMessage;
    if (message.type === 'memory') void settledMemory().then((sample) => send({ type: 'memory', ...sample }));
    if (message.type === 'profile-start') void profiler.start().then(() => send({ type: 'profiling' }));
    if (message.type === 'profile-stop') void profiler.stop(message.file).then(() => send({ type: 'profiled' }));
  });
  // The parent going away (a crashed bench) must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  send({ type: 'ready', url });
}

main().catch((error: unknown) => {
  process.stderr.write(`child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
