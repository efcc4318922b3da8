/**
 * The typed socket.io server and socket of the relay, and what every handler is given.
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
import type { RateLimiter } from '../http/rate-limit';

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
  /** events per device per minute (config.ratePerDevicePerMinute) */
  readonly eventLimiter: RateLimiter;
  /** handshakes per client address per minute (config.ratePerIpPerMinute) */
  readonly handshakeLimiter: RateLimiter;
  /**
   * Denial audit entries per device per minute: every refusal is audited, but a device
   * flooding refused requests must not turn each of them into a hash-chained write.
   */
  readonly denialAuditLimiter: RateLimiter;
}
