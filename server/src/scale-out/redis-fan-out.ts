/**
 * Cross-process fan-out for scale-out (docs/design.md §8): with REDIS_URL set, every server
 * process hands its socket.io rooms to the Redis adapter, so an envelope pushed to one
 * process, a mailbox notice raised by another process's REST call, or a removal that
 * empties a workspace room reaches the sockets held by every process. Without Redis a
 * process only reaches its own sockets, which is right for the one-process default.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import type { ServerOptions } from 'socket.io';

/** The socket.io adapter factory of a connected Redis pair, and how to disconnect it. */
export interface RedisFanOut {
  /** pass to socket.io's `adapter` option */
  readonly adapter: ServerOptions['adapter'];
  /** Close both Redis connections; idempotent. Call after socket.io has closed its adapter. */
  close(): Promise<void>;
}

/** Every process of one deployment must use the same channel prefix; it names this protocol. */
const FAN_OUT_CHANNEL_PREFIX = 'yhteispoyta';

/** Redis errors (a reconnect loop repeats them) are logged at most this often. */
const ERROR_LOG_INTERVAL_MS = 10_000;
/** How long start-up waits for Redis (a container started alongside may still be booting). */
const REDIS_START_TIMEOUT_MS = 30_000;
/** Longest pause between reconnection attempts once running. */
const MAX_RECONNECT_DELAY_MS = 5_000;

/**
 * Connect a publisher and a subscriber to `url` and build the adapter on them. Rejects
 * when Redis cannot be reached at start-up: a process that silently fanned out only to
 * its own sockets would split every workspace between the processes. After start-up the
 * client reconnects by itself; errors are logged without the URL (it may hold a password).
 */
export async function connectRedisFanOut(url: string, log: Logger): Promise<RedisFanOut> {
  const startedAt = Date.now();
  let running = false;
  // node-redis retries forever by default, so connect() would never reject: before the
  // first connection the strategy gives up after the start timeout, afterwards never.
  const reconnectStrategy = (retries: number): number | Error => {
    if (!running && Date.now() - startedAt > REDIS_START_TIMEOUT_MS) return new Error('redis did not answer in time');
    return Math.min(100 * 2 ** Math.min(retries, 6), MAX_RECONNECT_DELAY_MS);
  };
  const pub = createClient({ url, socket: { connectTimeout: 10_000, reconnectStrategy } });
  const sub = pub.duplicate();
  let lastLogged = 0;
  const onError = (role: string) => (error: unknown) => {
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) return;
    lastLogged = now;
    log.error({ role, err: error instanceof Error ? error.message : String(error) }, 'redis connection error');
  };
  pub.on('error', onError('publisher'));
  sub.on('error', onError('subscriber'));
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      await Promise.allSettled([pub.close(), sub.close()]);
    })();
    return closed;
  };
  try {
    await Promise.all([pub.connect(), sub.connect()]);
    running = true;
  } catch (error) {
    for (const client of [pub, sub]) {
      if (client.isOpen) client.destroy();
    }
    throw new Error(`cannot connect to Redis: ${error instanceof Error ? error.message : String(error)}`);
  }
  log.info('socket.io fan-out through redis');
  return { adapter: createAdapter(pub, sub, { key: FAN_OUT_CHANNEL_PREFIX }), close };
}
