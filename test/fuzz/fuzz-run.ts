/**
 * A fuzz run: `count` generated cases (about half REST, half socket-side) against one
 * server process by a few concurrent workers, with the server's resident memory sampled
 * throughout and its health and normal service (a valid REST read and a valid socket
 * fetch) checked every few hundred cases. Every case is regenerated from its own seed, so
 * a failure is recorded as the seed that reproduces it.
 */
import { SOCKET_PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import type { FuzzFixtures } from './fixtures';
import { restJson } from './fixtures';
import type { FuzzServer } from './fuzz-server';
import { caseSeed, Prng } from '@yhteispoyta/test-support/prng';
import { checkAck, checkRestReply } from './reply-check';
import type { Verdict } from './reply-check';
import { CURRENT_GENERATION, restCase } from './rest-cases';
import type { RestCase } from './rest-cases';
import { restAgent, sendRest } from './send-rest';
import { connectSocket, runHandshakeCase, runRawFramesCase, runSocketCase, WorkerSockets } from './send-socket';
import { socketCase } from './socket-cases';
import type { SocketSideCase } from './socket-cases';

/** One generated case. */
export type FuzzCase = RestCase | SocketSideCase;

/**
 * The case of a seed: the first draw picks the transport, the rest of the generator the
 * case; REST cases draw their route from route generation `generation` (rest-cases.ts).
 */
export function caseFromSeed(seed: number, fx: FuzzFixtures, generation = CURRENT_GENERATION): FuzzCase {
  const prng = new Prng(seed);
  const rest = prng.chance(0.5);
  const inner = prng.next();
  return rest ? restCase(inner, fx, generation) : socketCase(inner, fx);
}

/** A case that failed, and how to get it back. */
export interface FuzzFailure {
  readonly seed: number;
  /** the route generation the seed was drawn with */
  readonly generation: number;
  readonly transport: FuzzCase['transport'];
  readonly note: string;
  readonly problem: string;
}

/** Figures of a run. */
export interface FuzzReport {
  readonly cases: number;
  readonly byTransport: Readonly<Record<string, number>>;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly failures: readonly FuzzFailure[];
  readonly durationMs: number;
  /** resident memory samples of the server, bytes, in time order */
  readonly rssSamples: readonly number[];
  readonly healthChecks: number;
}

/** Options of {@link runFuzz}. */
export interface FuzzRunOptions {
  readonly server: FuzzServer;
  readonly fixtures: FuzzFixtures;
  readonly runSeed: number;
  readonly count: number;
  readonly concurrency: number;
  /** stop early after this many failures (each is already a finding) */
  readonly maxFailures?: number;
  /** called every `progressEvery` cases */
  readonly onProgress?: (done: number) => void;
}

/** Execute one case and judge it. Never rejects. */
export async function executeCase(c: FuzzCase, server: FuzzServer, fx: FuzzFixtures, sockets: WorkerSockets, agent: ReturnType<typeof restAgent>): Promise<Verdict> {
  try {
    switch (c.transport) {
      case 'rest': {
        let outcome = await sendRest(server.url, c, agent);
        if (outcome.kind === 'transport' && outcome.message.startsWith('stale keep-alive connection')) {
          outcome = await sendRest(server.url, c, false);
          if (outcome.kind === 'reply') {
            const verdict = checkRestReply(outcome.reply);
            return verdict.ok ? { ok: true, outcome: `${verdict.outcome} (retried after a stale keep-alive connection)` } : verdict;
          }
        }
        if (outcome.kind === 'transport') {
          return outcome.message.startsWith('unsendable') ? { ok: true, outcome: 'rest unsendable by node:http' } : { ok: false, problem: `no HTTP answer: ${outcome.message}` };
        }
        return checkRestReply(outcome.reply);
      }
      case 'socket':
        return await runSocketCase(c, sockets);
      case 'handshake':
        return await runHandshakeCase(c, server.url);
      case 'raw':
        return await runRawFramesCase(c, server.url, fx);
    }
  } catch (error) {
    return { ok: false, problem: `the case could not run: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The server still serves members normally: health, a valid REST read, a valid socket fetch. */
export async function sentinel(server: FuzzServer, fx: FuzzFixtures): Promise<Verdict> {
  if (!(await server.healthy())) return { ok: false, problem: 'the server is not healthy' };
  const listed = await restJson(server.url, 'GET', '/v1/workspaces', { token: fx.alice.token });
  const workspaces = (listed.json as { workspaces?: { workspaceId?: unknown }[] } | undefined)?.workspaces;
  if (listed.status !== 200 || !workspaces?.some((w) => w.workspaceId === fx.workspaceId)) {
    return { ok: false, problem: `a valid listWorkspaces failed: ${listed.status} ${JSON.stringify(listed.json)?.slice(0, 200)}` };
  }
  const connected = await connectSocket(server.url, { token: fx.alice.token, v: SOCKET_PROTOCOL_VERSION });
  if (!connected.ok) return { ok: false, problem: `a valid handshake failed: ${connected.message}` };
  try {
    const ack: unknown = await connected.socket.timeout(20_000).emitWithAck('fetch', { workspaceId: fx.workspaceId, stream: 'chat', afterSeq: 0, limit: 1 });
    const verdict = checkAck('fetch', ack);
    if (!verdict.ok || verdict.outcome !== 'fetch accepted') return { ok: false, problem: `a valid fetch failed: ${JSON.stringify(ack)?.slice(0, 200)}` };
    return { ok: true, outcome: 'sentinel' };
  } finally {
    connected.socket.close();
  }
}

const SENTINEL_EVERY = 500;
const RSS_SAMPLE_MS = 500;

/** Run the cases; resolves with the figures (failures included, never thrown). */
export async function runFuzz(opts: FuzzRunOptions): Promise<FuzzReport> {
  const { server, fixtures: fx, runSeed, count } = opts;
  const started = Date.now();
  const byTransport: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  const rssSamples: number[] = [];
  let healthChecks = 0;
  let next = 0;
  let done = 0;
  const sampler = setInterval(() => {
    const rss = server.rss();
    if (rss !== undefined) rssSamples.push(rss);
  }, RSS_SAMPLE_MS);
  const agent = restAgent(opts.concurrency);
  const stop = (): boolean => failures.length >= (opts.maxFailures ?? 20) || !server.process.running();

  const worker = async (): Promise<void> => {
    const sockets = new WorkerSockets(server.url, fx);
    try {
      while (next < count && !stop()) {
        const index = next++;
        const seed = caseSeed(runSeed, index);
        const c = caseFromSeed(seed, fx);
        byTransport[c.transport] = (byTransport[c.transport] ?? 0) + 1;
        const verdict = await executeCase(c, server, fx, sockets, agent);
        if (verdict.ok) outcomes[verdict.outcome] = (outcomes[verdict.outcome] ?? 0) + 1;
        else failures.push({ seed, generation: CURRENT_GENERATION, transport: c.transport, note: c.note, problem: verdict.problem });
        done += 1;
        if (done % SENTINEL_EVERY === 0) {
          healthChecks += 1;
          const check = await sentinel(server, fx);
          if (!check.ok) failures.push({ seed, generation: CURRENT_GENERATION, transport: c.transport, note: `sentinel after case ${index}: ${c.note}`, problem: check.problem });
          opts.onProgress?.(done);
        }
      }
    } finally {
      sockets.close();
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
    healthChecks += 1;
    const check = await sentinel(server, fx);
    if (!check.ok) failures.push({ seed: -1, generation: CURRENT_GENERATION, transport: 'rest', note: 'final sentinel', problem: check.problem });
  } finally {
    clearInterval(sampler);
    agent.destroy();
  }
  return { cases: done, byTransport, outcomes, failures, durationMs: Date.now() - started, rssSamples, healthChecks };
}
