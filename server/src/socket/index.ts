/**
 * The server's socket.io side (docs/design.md §6, §7): a thin adapter of the relay core
 * (server/src/relay/), which relays envelopes between the member devices of each
 * workspace. app.ts calls {@link attachSocketServer} on its http server; this module
 * builds the typed socket.io server, the handshake, the per-connection setup (device
 * room, session expiry, one listener per client event of the core's request table) and
 * carries the core's hub notices out to the rooms.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { Server } from 'socket.io';
import { relayParser } from '@yhteispoyta/crypto/protocol/socket-frames';
import type { ServerOptions } from 'socket.io';
import { SerialQueue } from '@yhteispoyta/common/queue';
import { CLIENT_TO_SERVER_EVENTS, MAX_CLIENT_SOCKET_MESSAGE_BYTES } from '@yhteispoyta/crypto/protocol';
import type { ServerContext } from '../context';
import { clientAddressResolver } from '../http/client-address';
import { createRateLimiter } from '../http/rate-limit';
import { moduleLogger } from '../logger';
import { relayHubNotices } from '../relay/notices';
import { coalesceWrites } from './coalesced-writes';
import { registerEvent } from './event-dispatch';
import { emitFanOut } from './fan-out';
import { handshakeMiddleware } from './handshake';
import type { Relay, RelayServer, RelaySocket } from './relay';
import { deviceRoom } from './rooms';

/** Requests one connection may have waiting (the running one included) before it is rate_limited. */
export const MAX_PENDING_PER_SOCKET = 32;
/** Denial audit entries per device (or client address) per minute. */
export const DENIAL_AUDITS_PER_MINUTE = 120;
/** setTimeout's largest delay; longer sessions re-arm the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The running socket layer. */
export interface SocketServer {
  /** Disconnects every socket and stops listening for hub events. The http server stays open: it belongs to the caller. */
  close(): Promise<void>;
}

/**
 * Disconnects the socket when its session ends. The timer uses real time; the
 * dispatcher also checks `ctx.now()` on every event, which is what tests with an
 * injected clock exercise.
 */
function expireWithSession(relay: Relay, socket: RelaySocket): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const remaining = socket.data.sessionExpiresAt - relay.ctx.now();
    if (remaining <= 0) {
      socket.disconnect(true);
      return;
    }
    timer = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  socket.on('disconnect', () => clearTimeout(timer));
}

function onConnection(relay: Relay, socket: RelaySocket): void {
  void socket.join(deviceRoom(socket.data.device));
  expireWithSession(relay, socket);
  // One socket's requests run in arrival order, so clock 6 never overtakes clock 5; bounded,
  // so that a client cannot park unbounded work.
  const order = { queue: new SerialQueue({ maxPending: MAX_PENDING_PER_SOCKET }), answering: new Set<Promise<void>>(), maxAnswering: MAX_PENDING_PER_SOCKET };
  for (const event of CLIENT_TO_SERVER_EVENTS) registerEvent(relay, socket, order, event);
}

/**
 * Refuses requests that carry an Origin header: agents are Node processes, and a
 * browser page has no business holding a socket to the central server (docs/design.md §1).
 * socket.io's CORS support is left off for the same reason.
 */
function refuseBrowsers(req: http.IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void {
  if (req.headers.origin === undefined) callback(null, true);
  else callback('browser origins are not served', false);
}

/** Options of {@link attachSocketServer}. */
export interface SocketServerOptions {
  /** a room adapter reaching other server processes (scale-out: server/src/scale-out/); default in-process */
  readonly adapter?: ServerOptions['adapter'];
}

/**
 * Attaches the socket.io relay to `httpServer`: authenticated handshake, the six client
 * events, and hub notifications delivered to device and workspace rooms. `close()`
 * disconnects every socket; the http server stays the caller's to close.
 */
export function attachSocketServer(ctx: ServerContext, httpServer: http.Server, options: SocketServerOptions = {}): SocketServer {
  const io: RelayServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: MAX_CLIENT_SOCKET_MESSAGE_BYTES,
    allowRequest: refuseBrowsers,
    // An envelope's packet is one binary frame (socket-frames.ts).
    parser: relayParser,
    ...(options.adapter === undefined ? {} : { adapter: options.adapter }),
  });
  const log = moduleLogger(ctx.log, 'socket');
  const relay: Relay = {
    ctx,
    io,
    log,
    runtime: { deps: ctx, log, denialAuditLimiter: createRateLimiter(DENIAL_AUDITS_PER_MINUTE) },
    eventLimiter: createRateLimiter(ctx.config.ratePerDevicePerMinute),
    handshakeLimiter: createRateLimiter(ctx.config.ratePerIpPerMinute),
    clientAddress: clientAddressResolver(ctx.config.trustedProxies),
  };
  io.use(handshakeMiddleware(relay));
  io.on('connection', (socket) => onConnection(relay, socket));
  const unbridge = relayHubNotices(ctx, (fanOut) => emitFanOut(io, undefined, fanOut));
  // A batch's fan-out and acks leave each connection in one write (coalesced-writes.ts).
  const onUpgrade = (_request: http.IncomingMessage, socket: Duplex): void => coalesceWrites(socket);
  httpServer.on('upgrade', onUpgrade);
  return {
    // What io.close() does, except closing the http server, which the caller owns and closes itself.
    async close() {
      unbridge();
      httpServer.off('upgrade', onUpgrade);
      io.disconnectSockets(true);
      await io.of('/').adapter.close();
      io.engine.close();
    },
  };
}
