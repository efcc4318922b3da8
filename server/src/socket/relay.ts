/**
 * The typed socket.io server and socket of the relay, and what every connection shares.
 */
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type {
  ClientToServerEvents,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
} from '@yhteispoyta/crypto/protocol';
import type { ServerContext } from '../context';
import type { ClientAddressOf } from '../http/client-address';
import type { RateLimiter } from '../http/rate-limit';
import type { RelayRuntime } from '../relay/handle-request';

/** The socket.io server, typed with the protocol module's event maps. */
export type RelayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** One authenticated connection. */
export type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Everything the socket layer of one server shares: built once by attachSocketServer. */
export interface Relay {
  readonly ctx: ServerContext;
  readonly io: RelayServer;
  /** the `socket` module logger */
  readonly log: Logger;
  /** the relay core's request path (with the denial audit budget per device or client address) */
  readonly runtime: RelayRuntime;
  /** events per device per minute (config.ratePerDevicePerMinute) */
  readonly eventLimiter: RateLimiter;
  /** handshakes per client address per minute (config.ratePerIpPerMinute) */
  readonly handshakeLimiter: RateLimiter;
  /** the address a handshake counts as (config.trustedProxies) */
  readonly clientAddress: ClientAddressOf;
}
