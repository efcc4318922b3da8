/**
 * Relay throughput at saturation on one server process: pre-made updates pushed as fast
 * as the relay takes them, each fanned out to the other members of its workspace.
 *
 * Yhteispöytä: light devices (light-device.ts) push pre-sealed envelopes over their
 * authenticated sockets, keeping a window of unacknowledged pushes per socket; the
 * server verifies each signature, stores it and fans it out. Baseline: raw y-protocols
 * clients send the very same Yjs updates to the stock relay (no acknowledgements there,
 * so the senders keep their socket buffers full); the relay applies each to its
 * in-memory document and broadcasts it. Both are counted where they arrive: at the
 * receivers, inside a fixed window after a warm-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import WebSocket from 'ws';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { envelopeFrame } from '@yhteispoyta/crypto/protocol';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';
import { cpuMeter } from './cpu';
import { connectLight, createLightWorkspace, enrolLightDevices, joinLight } from './light-device';
import type { LightDevice } from './light-device';
import { benchOrganisation } from './organisation';
import { startMeasured } from './processes';
import type { MeasuredProcess } from './processes';
import { textUpdates } from './yjs-updates';

/** What one throughput run does. */
export interface ThroughputPlan {
  /** bytes of each Yjs update (the envelope's plaintext) */
  readonly payloadBytes: number;
  /** workspaces (rooms), each with one sender */
  readonly workspaces: number;
  /** members receiving each update besides its sender */
  readonly receivers: number;
  readonly warmupMs: number;
  readonly windowMs: number;
  /** updates made ready per sender (must outlast warm-up + window) */
  readonly updatesPerSender: number;
}

/** One system's figure. */
export interface ThroughputResult {
  readonly system: 'yhteispoyta' | 'baseline';
  readonly payloadBytes: number;
  readonly receivers: number;
  /** updates (envelopes) relayed per second: each one reached every receiver */
  readonly updatesPerSecond: number;
  /** MB/s of updates entering the relay (the whole envelope for Yhteispöytä, the y-protocols message for the baseline) */
  readonly inMBps: number;
  /** MB/s leaving the relay towards receivers */
  readonly outMBps: number;
  /** bytes of one update as it travels */
  readonly wireBytes: number;
  /** share of one core the server process used during the window */
  readonly serverCpu: number;
  /** server CPU-seconds per 1 000 relayed updates (= CPU ms per update) */
  readonly serverCpuSPer1000: number;
  /** share of one core this (load-generating) process used during the window */
  readonly clientCpu: number;
  /** the window actually measured (shorter when a sender ran out) */
  readonly windowMs: number;
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
/** Unacknowledged pushes each Yhteispöytä sender keeps in flight (its server queues at most 32 requests per socket). */
const PUSH_WINDOW = 28;
/** Unacknowledged updates each baseline sender keeps in flight: the stock relay has no cap, and fewer leave it idle between round trips. */
const BASELINE_WINDOW = 128;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The environment of a bench server: sqlite in `dir`, limits opened up for load. */
export function benchServerEnv(dir: string): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    STORE: 'sqlite',
    SQLITE_PATH: join(dir, 'server.db'),
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    RATE_PER_IP_PER_MINUTE: '100000000',
    RATE_PER_DEVICE_PER_MINUTE: '100000000',
  };
}

/** The admin token bench servers are started with. */
export const BENCH_ADMIN_TOKEN = ADMIN_TOKEN;

/** Counts arrivals inside the measuring window. */
export class WindowCounter {
  #open = false;
  count = 0;
  bytes = 0;
  open(): void {
    this.#open = true;
  }
  close(): void {
    this.#open = false;
  }
  add(bytes: number): void {
    if (!this.#open) return;
    this.count += 1;
    this.bytes += bytes;
  }
}

/**
 * Counts arrivals for the plan's window, or until the senders have run out; returns the
 * milliseconds counted. Senders that ran out during the warm-up or the first half of the
 * window would report a rate of nothing, so that is an error naming the plan's figure.
 */
export async function countWindow(counter: WindowCounter, plan: ThroughputPlan, exhausted: () => boolean, system: string): Promise<number> {
  if (exhausted()) throw new Error(`throughput: ${system}'s senders ran out of their ${plan.updatesPerSender} updates during the warm-up; raise updatesPerSender in bench/sizes.ts`);
  const t0 = performance.now();
  counter.open();
  while (performance.now() - t0 < plan.windowMs && !exhausted()) await sleep(50);
  counter.close();
  const elapsed = performance.now() - t0;
  if (elapsed < plan.windowMs / 2) throw new Error(`throughput: ${system}'s senders ran out of their ${plan.updatesPerSender} updates after ${Math.round(elapsed)} ms of a ${plan.windowMs} ms window; raise updatesPerSender in bench/sizes.ts`);
  return elapsed;
}

function seal(sender: LightDevice, workspaceId: string, clock: number, plaintext: Uint8Array, epochKey: Uint8Array): WireEnvelope {
  return sealEnvelope({
    header: { v: PROTOCOL_VERSION, workspaceId, stream: 'doc:plan', kind: 'update', epoch: 1, author: sender.ref, clock, snapshotId: '', sentAt: Date.now(), chainHead: { seq: 0, hash: '0'.repeat(64) } },
    plaintext,
    epochKey,
    identityKey: sender.identity.identityKeyPair.privateKey,
  });
}

/** Push `envelopes` in order keeping `window` unacknowledged; resolves when all are acked or `stop()` is called. */
function pushAll(socket: Socket, envelopes: readonly Uint8Array[], window: number): { done: Promise<number>; stop(): void } {
  let stopped = false;
  let next = 0;
  let acked = 0;
  const done = new Promise<number>((resolve, reject) => {
    const pump = (): void => {
      while (!stopped && next < envelopes.length && next - acked < window) {
        const envelope = envelopes[next++];
        socket.emit('push', { envelope }, (ack: { ok?: unknown; error?: unknown }) => {
          if (ack.ok !== true) {
            reject(new Error(`push refused: ${JSON.stringify(ack.error)}`));
            return;
          }
          acked += 1;
          if (acked === next && (stopped || next === envelopes.length)) resolve(acked);
          else pump();
        });
      }
    };
    pump();
  });
  return { done, stop: () => (stopped = true) };
}

/** Yhteispöytä: light devices pushing pre-sealed envelopes through a fresh server process. */
export async function ypThroughput(plan: ThroughputPlan, profileFile?: string): Promise<ThroughputResult> {
  const dir = mkdtempSync(join(tmpdir(), 'yp-bench-tp-'));
  const server = await startMeasured('server', { env: benchServerEnv(dir) });
  const sockets: Socket[] = [];
  try {
    const org = await benchOrganisation(server.url, ADMIN_TOKEN);
    const devices = await enrolLightDevices(server.url, org, plan.workspaces * (plan.receivers + 1));
    const counter = new WindowCounter();
    const rooms: { socket: Socket; sender: LightDevice; workspaceId: string }[] = [];
    // Every workspace and socket first, the sealing after: sealing thousands of envelopes
    // blocks this process for seconds, and a REST connection idle that long may be closed
    // by the server just as the next request goes out on it.
    for (let w = 0; w < plan.workspaces; w++) {
      const members = devices.slice(w * (plan.receivers + 1), (w + 1) * (plan.receivers + 1));
      const [sender, ...receivers] = members;
      if (sender === undefined) throw new Error('no sender');
      const workspaceId = await createLightWorkspace(server.url, sender, receivers);
      for (const receiver of receivers) {
        const socket = await connectLight(server.url, receiver);
        sockets.push(socket);
        await joinLight(socket, workspaceId);
        // Each envelope arrives as its encoded blob (crypto/protocol wire-envelope.ts).
        socket.on('envelope', (notice: { stored: { envelope: Uint8Array } }) => counter.add(notice.stored.envelope.byteLength));
      }
      const socket = await connectLight(server.url, sender);
      sockets.push(socket);
      await joinLight(socket, workspaceId);
      rooms.push({ socket, sender, workspaceId });
    }
    // The relay never decrypts: any key serves, the signature is what it checks.
    const epochKey = randomBytes(32);
    // Sealed and encoded before the window, as a sender's outbox holds them.
    const senders = rooms.map(({ socket, sender, workspaceId }, w) => ({
      socket,
      envelopes: textUpdates(w + 1, plan.updatesPerSender, plan.payloadBytes).map((update, i) => envelopeFrame(seal(sender, workspaceId, i + 1, update, epochKey))),
    }));
    const wireBytes = senders[0]?.envelopes[0]?.byteLength ?? 0;
    const pushes = senders.map((s) => pushAll(s.socket, s.envelopes, PUSH_WINDOW));
    let exhausted = false;
    let refusal: unknown;
    void Promise.all(pushes.map((p) => p.done)).then(
      () => (exhausted = true),
      (error: unknown) => (refusal = error),
    );
    await sleep(plan.warmupMs);
    if (profileFile !== undefined) await server.startProfile();
    const meter = cpuMeter(server.pid);
    const client = cpuMeter(process.pid);
    const ranOut = (): boolean => {
      // a refused push is the run's failure, not the senders' end
      if (refusal !== undefined) throw refusal;
      return exhausted;
    };
    const elapsed = await countWindow(counter, plan, ranOut, 'Yhteispöytä');
    const { share: serverCpu, cpuMs: serverCpuMs } = meter.stop();
    const clientCpu = client.stop().share;
    if (profileFile !== undefined) await server.stopProfile(profileFile);
    for (const p of pushes) p.stop();
    await Promise.allSettled(pushes.map((p) => p.done));
    const perSecond = counter.count / plan.receivers / (elapsed / 1000);
    return {
      system: 'yhteispoyta',
      payloadBytes: plan.payloadBytes,
      receivers: plan.receivers,
      updatesPerSecond: perSecond,
      inMBps: (perSecond * wireBytes) / 1e6,
      outMBps: counter.bytes / (elapsed / 1000) / 1e6,
      wireBytes,
      serverCpu,
      serverCpuSPer1000: serverCpuMs / Math.max(1, counter.count / plan.receivers),
      clientCpu,
      windowMs: elapsed,
    };
  } finally {
    for (const socket of sockets) socket.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** messageSync (0) carrying an update (2): one relayed update. */
function isUpdateMessage(data: Buffer): boolean {
  return data[0] === 0 && data[1] === 2;
}

function syncUpdateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0); // messageSync
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'nodebuffer';
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Baseline: raw y-protocols clients sending the same updates through a fresh stock relay. */
export async function baselineThroughput(plan: ThroughputPlan): Promise<ThroughputResult> {
  const relay: MeasuredProcess = await startMeasured('baseline');
  const sockets: WebSocket[] = [];
  try {
    const counter = new WindowCounter();
    const senders: { ws: WebSocket; messages: Uint8Array[] }[] = [];
    for (let w = 0; w < plan.workspaces; w++) {
      const room = `${relay.url}/bench-${w}`;
      for (let r = 0; r < plan.receivers; r++) {
        const ws = await openSocket(room);
        sockets.push(ws);
        ws.on('message', (data: Buffer) => {
          if (isUpdateMessage(data)) counter.add(data.byteLength);
        });
      }
      const ws = await openSocket(room);
      sockets.push(ws);
      senders.push({ ws, messages: textUpdates(w + 1, plan.updatesPerSender, plan.payloadBytes).map(syncUpdateMessage) });
    }
    let stopped = false;
    let exhausted = false;
    for (const sender of senders) {
      // The stock relay sends every update back to its sender too, after applying it and
      // broadcasting it: that echo is the acknowledgement, so the baseline keeps the same
      // window of unacknowledged updates per sender as Yhteispöytä's pushes.
      let next = 0;
      let echoed = 0;
      const pump = (): void => {
        while (!stopped && next < sender.messages.length && next - echoed < BASELINE_WINDOW) sender.ws.send(sender.messages[next++] as Uint8Array);
        if (echoed >= sender.messages.length) exhausted = true;
      };
      sender.ws.on('message', (data: Buffer) => {
        if (!isUpdateMessage(data)) return;
        echoed += 1;
        pump();
      });
      pump();
    }
    await sleep(plan.warmupMs);
    const meter = cpuMeter(relay.pid);
    const client = cpuMeter(process.pid);
    const elapsed = await countWindow(counter, plan, () => exhausted, 'the stock relay');
    const { share: serverCpu, cpuMs: serverCpuMs } = meter.stop();
    const clientCpu = client.stop().share;
    stopped = true;
    const wireBytes = syncUpdateMessage(textUpdates(1, 1, plan.payloadBytes)[0] as Uint8Array).byteLength;
    const perSecond = counter.count / plan.receivers / (elapsed / 1000);
    return {
      system: 'baseline',
      payloadBytes: plan.payloadBytes,
      receivers: plan.receivers,
      updatesPerSecond: perSecond,
      inMBps: (perSecond * wireBytes) / 1e6,
      outMBps: counter.bytes / (elapsed / 1000) / 1e6,
      wireBytes,
      serverCpu,
      serverCpuSPer1000: serverCpuMs / Math.max(1, counter.count / plan.receivers),
      clientCpu,
      windowMs: elapsed,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await relay.close();
  }
}
