/**
 * The socket.io half of the hostile relay: a socket.io server facing the agents that, for
 * each agent connection, opens a socket.io client to the real server with the agent's
 * own handshake auth, and forwards requests, acks and notices between the two. Hooks see
 * and may rewrite each of them; the bridge itself changes nothing.
 *
 * Both sides use the relay's packet parser (crypto/src/protocol/socket-frames.ts): an
 * envelope's packet is one binary frame, and a join answer carries one attachment per
 * envelope, far above socket.io-parser's default limit of 10.
 */
import type http from 'node:http';
import { Server } from 'socket.io';
import type { Socket as DownstreamSocket } from 'socket.io';
import { io as connectUpstream } from 'socket.io-client';
import type { Socket as UpstreamSocket } from 'socket.io-client';
import { relayParser } from '@yhteispoyta/crypto/protocol/socket-frames';
import { CLIENT_TO_SERVER_EVENTS, MAX_CLIENT_SOCKET_MESSAGE_BYTES, SERVER_TO_CLIENT_EVENTS } from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName, ServerToClientEventName } from '@yhteispoyta/crypto/protocol';

/** What to do with a request from an agent. */
export type RequestDecision =
  | { readonly forward: unknown }
  /** answer the agent without asking the server */
  | { readonly answer: unknown };

/** Hooks of the bridge. Synchronous, so that the order of packets is kept. */
export interface SocketHooks {
  /** a request an agent emitted (default: forward unchanged) */
  request?(door: string, event: ClientToServerEventName, payload: unknown): RequestDecision;
  /** the server's ack of a forwarded request (default: unchanged) */
  answer?(door: string, event: ClientToServerEventName, request: unknown, answer: unknown): unknown;
  /** a server notice: the notices to deliver instead, in order (none drops it; default: itself) */
  notice?(door: string, event: ServerToClientEventName, payload: unknown): readonly unknown[];
}

/** One agent connection through the bridge. */
export interface BridgedConnection {
  readonly door: string;
  /** deliver a notice to the agent as if the server had sent it */
  emit(event: ServerToClientEventName, payload: unknown): void;
  /** close both sides; the agent reconnects by itself */
  disconnect(): void;
}

/** Options of {@link attachSocketBridge}. */
export interface SocketBridgeOptions {
  readonly upstream: string;
  readonly door: string;
  readonly hooks: SocketHooks;
  /** how long a forwarded request may wait for the server's ack */
  readonly ackTimeoutMs?: number;
}

/** A running bridge on one http server. */
export interface SocketBridge {
  /** the agent connections currently open */
  connections(): BridgedConnection[];
  close(): Promise<void>;
}

interface Pair {
  readonly connection: BridgedConnection;
  readonly upstream: UpstreamSocket;
}

/** Opens the upstream connection with the agent's auth; resolves once the server accepted it, rejects with the server's refusal. */
function openUpstream(url: string, auth: unknown): Promise<UpstreamSocket> {
  return new Promise((resolve, reject) => {
    const upstream = connectUpstream(url, {
      transports: ['websocket'],
      parser: relayParser,
      auth: (typeof auth === 'object' && auth !== null ? auth : {}) as Record<string, unknown>,
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
    });
    upstream.once('connect', () => resolve(upstream));
    upstream.once('connect_error', (error: Error & { data?: unknown }) => {
      upstream.close();
      reject(error);
    });
  });
}

/** Attach the bridge's socket.io server to `httpServer` (the socket.io default path). */
export function attachSocketBridge(httpServer: http.Server, opts: SocketBridgeOptions): SocketBridge {
  const io = new Server(httpServer, {
    serveClient: false,
    parser: relayParser,
    maxHttpBufferSize: MAX_CLIENT_SOCKET_MESSAGE_BYTES,
  });
  const ackTimeoutMs = opts.ackTimeoutMs ?? 20_000;
  const pairs = new Map<string, Pair>();
  const upstreams = new WeakMap<DownstreamSocket, UpstreamSocket>();

  io.use((socket, next) => {
    openUpstream(opts.upstream, socket.handshake.auth).then(
      (upstream) => {
        upstreams.set(socket, upstream);
        next();
      },
      (error: Error & { data?: unknown }) => {
        // The server's refusal reaches the agent as it was: code and message in `data`.
        const refusal: Error & { data?: unknown } = new Error(error.message);
        refusal.data = error.data;
        next(refusal);
      },
    );
  });

  io.on('connection', (socket) => {
    const upstream = upstreams.get(socket);
    if (upstream === undefined) {
      socket.disconnect(true);
      return;
    }
    const connection: BridgedConnection = {
      door: opts.door,
      emit: (event, payload) => {
        socket.emit(event, payload);
      },
      disconnect: () => {
        socket.disconnect(true);
        upstream.disconnect();
      },
    };
    pairs.set(socket.id, { connection, upstream });

    for (const event of CLIENT_TO_SERVER_EVENTS) {
      socket.on(event, (payload: unknown, ack: unknown) => {
        const reply = typeof ack === 'function' ? (ack as (answer: unknown) => void) : () => undefined;
        const decision = opts.hooks.request?.(opts.door, event, payload) ?? { forward: payload };
        if ('answer' in decision) {
          reply(decision.answer);
          return;
        }
        upstream
          .timeout(ackTimeoutMs)
          .emitWithAck(event, decision.forward)
          .then(
            (answer: unknown) => reply(opts.hooks.answer ? opts.hooks.answer(opts.door, event, decision.forward, answer) : answer),
            // No ack from the server: the agent's own timeout reports it offline.
            () => undefined,
          );
      });
    }
    for (const event of SERVER_TO_CLIENT_EVENTS) {
      upstream.on(event, (payload: unknown) => {
        const deliver = opts.hooks.notice ? opts.hooks.notice(opts.door, event, payload) : [payload];
        for (const item of deliver) socket.emit(event, item);
      });
    }
    socket.on('disconnect', () => {
      pairs.delete(socket.id);
      upstream.disconnect();
    });
    // The server ended the session (expiry, revocation, restart): so does the relay.
    upstream.on('disconnect', () => {
      if (socket.connected) socket.disconnect(true);
    });
  });

  return {
    connections: () => [...pairs.values()].map((p) => p.connection),
    async close() {
      for (const { upstream } of pairs.values()) upstream.disconnect();
      pairs.clear();
      io.disconnectSockets(true);
      await io.of('/').adapter.close();
      io.engine.close();
    },
  };
}
