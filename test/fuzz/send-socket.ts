/**
 * Sends generated socket-side cases: events on authenticated socket.io connections (one
 * per fixture device, reconnected when the server drops one), handshakes with hostile
 * `auth`, and raw engine.io frames over a bare WebSocket.
 */
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { SOCKET_PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import { relayParser } from '@yhteispoyta/crypto/protocol/socket-frames';
import type { FuzzFixtures } from './fixtures';
import { checkAck, checkConnectError, checkRawFrames, isClientEvent } from './reply-check';
import type { Verdict } from './reply-check';
import type { HandshakeCase, RawFramesCase, SocketCase, SocketIdentity } from './socket-cases';

const ACK_TIMEOUT_MS = 20_000;

/** Connect with any `auth`; resolves with the socket or the connect error's data. */
export function connectSocket(url: string, auth: Record<string, unknown>): Promise<{ ok: true; socket: Socket } | { ok: false; data: unknown; message: string }> {
  const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, parser: relayParser, timeout: 20_000 });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ ok: true, socket }));
    socket.once('connect_error', (error: Error & { data?: unknown }) => {
      socket.close();
      resolve({ ok: false, data: error.data, message: error.message });
    });
  });
}

/** One live socket per fixture device, for one worker. */
export class WorkerSockets {
  readonly #sockets = new Map<SocketIdentity, Socket>();

  constructor(
    readonly url: string,
    readonly fx: FuzzFixtures,
  ) {}

  /** The device's socket, connecting (again) when there is none or it was dropped. */
  async get(as: SocketIdentity): Promise<Socket> {
    const existing = this.#sockets.get(as);
    if (existing?.connected === true) return existing;
    existing?.close();
    const connected = await connectSocket(this.url, { token: this.fx[as].token, v: SOCKET_PROTOCOL_VERSION });
    if (!connected.ok) throw new Error(`fixture device ${as} could not connect: ${connected.message}`);
    this.#sockets.set(as, connected.socket);
    return connected.socket;
  }

  /**
   * Close the device's socket and forget it: after a message the server may drop the
   * connection for, sent without waiting for an answer, so that the drop cannot land in
   * (and be blamed on) the next case of this worker.
   */
  retire(as: SocketIdentity): void {
    this.#sockets.get(as)?.close();
    this.#sockets.delete(as);
  }

  /** Close every socket. */
  close(): void {
    for (const socket of this.#sockets.values()) socket.close();
    this.#sockets.clear();
  }
}

/** Emit one event and judge what comes back. */
export async function runSocketCase(c: SocketCase, sockets: WorkerSockets): Promise<Verdict> {
  const socket = await sockets.get(c.as);
  const known = isClientEvent(c.event);
  try {
    if (!c.ack) {
      socket.emit(c.event, ...c.args);
      if (c.mayDisconnect) sockets.retire(c.as);
      return { ok: true, outcome: 'socket sent without ack' };
    }
    if (!known) {
      // Nobody listens: the server must ignore it (a later sentinel proves the connection still works).
      socket.emit(c.event, ...c.args, () => undefined);
      if (c.mayDisconnect) sockets.retire(c.as);
      return { ok: true, outcome: 'socket unknown event' };
    }
  } catch (error) {
    return { ok: true, outcome: `socket refused by the client library (${error instanceof Error ? error.message.slice(0, 40) : 'error'})` };
  }
  return new Promise<Verdict>((resolve) => {
    const finish = (verdict: Verdict): void => {
      clearTimeout(timer);
      socket.off('disconnect', onDisconnect);
      resolve(verdict);
    };
    const onDisconnect = (reason: string): void => {
      finish(c.mayDisconnect ? { ok: true, outcome: 'socket dropped at a transport limit' } : { ok: false, problem: `server dropped the connection (${reason})` });
    };
    const timer = setTimeout(() => finish({ ok: false, problem: `no ack within ${ACK_TIMEOUT_MS} ms` }), ACK_TIMEOUT_MS);
    socket.on('disconnect', onDisconnect);
    socket.emit(c.event, ...c.args, (response: unknown) => finish(checkAck(c.event as Parameters<typeof checkAck>[0], response)));
  });
}

/** Connect with a hostile `auth` and judge the outcome. */
export async function runHandshakeCase(c: HandshakeCase, url: string): Promise<Verdict> {
  const auth = typeof c.auth === 'object' && c.auth !== null && !Array.isArray(c.auth) ? (c.auth as Record<string, unknown>) : { value: c.auth };
  const result = await connectSocket(url, auth);
  if (result.ok) {
    result.socket.close();
    return c.valid ? { ok: true, outcome: 'handshake accepted' } : { ok: false, problem: `handshake accepted: ${c.note}` };
  }
  if (c.valid) return { ok: false, problem: `valid handshake refused: ${result.message}` };
  return checkConnectError(result.data);
}

/** Open a bare engine.io WebSocket, optionally connect to the namespace, send the frames, collect answers. */
export async function runRawFramesCase(c: RawFramesCase, url: string, fx: FuzzFixtures): Promise<Verdict> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  // Listen from the start: the open packet may arrive in the same tick as the upgrade.
  const received: string[] = [];
  const waiting: ((frame: string) => void)[] = [];
  let closed = false;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const frame = isBinary ? '<binary>' : data.toString('utf8');
    received.push(frame);
    for (const wake of waiting.splice(0)) wake(frame);
  });
  ws.on('close', () => {
    closed = true;
  });
  const seen = (index: number, ms: number): Promise<string | undefined> => {
    if (received.length > index) return Promise.resolve(received[index]);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      waiting.push((frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  };
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('error', () => resolve(false));
  });
  if (!opened) return { ok: false, problem: 'engine.io WebSocket did not open' };
  try {
    const open = await seen(0, 10_000);
    if (open?.startsWith('0') !== true) return { ok: false, problem: `no engine.io open packet (${String(open).slice(0, 80)})` };
    let handshakeFrames = 1;
    if (c.as !== 'none') {
      ws.send(`40${JSON.stringify({ token: fx[c.as].token, v: SOCKET_PROTOCOL_VERSION })}`);
      const connected = await seen(1, 10_000);
      if (connected?.startsWith('40') !== true) return { ok: false, problem: `namespace connect failed: ${String(connected).slice(0, 120)}` };
      handshakeFrames = 2;
    }
    for (const frame of c.frames) {
      if (closed) break;
      if (typeof frame === 'string') ws.send(frame);
      // Raw bytes go out as a text frame half of the time: invalid UTF-8 in a text frame is its own attack.
      else ws.send(frame, { binary: frame.byteLength % 2 === 0 });
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    return checkRawFrames(received.slice(handshakeFrames));
  } finally {
    ws.terminate();
  }
}
