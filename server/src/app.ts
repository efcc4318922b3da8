/**
 * Starting one server process: store, context, the transparency log (its key and any
 * certificates stored before it), REST app, socket.io relay, one http server, and the
 * periodic maintenance jobs (maintenance/: purge of expired codes,
 * challenges, sessions and abandoned uploads; retention of document history). `main.ts`
 * runs it from the environment; tests run it on port 0.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import type { ServerConfig } from './config';
import { createHub } from './context';
import type { ServerContext } from './context';
import { createHttpApp } from './http/app';
import { answerClientErrors } from './http/client-errors';
import { createRootLogger, moduleLogger } from './logger';
import { purgeJob } from './maintenance/purge';
import { retentionJob } from './maintenance/retention';
import { scheduleMaintenance } from './maintenance/schedule';
import { connectRedisFanOut } from './scale-out/redis-fan-out';
import type { RedisFanOut } from './scale-out/redis-fan-out';
import { attachSocketServer } from './socket/index';
import { createStore } from './store/create-store';
import type { Store } from './store/port';
import { openTransparencyLog } from './transparency/log';

/** A listening server and how to stop it. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8787` */
  readonly url: string;
  readonly port: number;
  readonly ctx: ServerContext;
  readonly httpServer: http.Server;
  /** the admin API's own listener (config.admin), e.g. `http://127.0.0.1:8788`; absent: admin routes are on `url` */
  readonly adminUrl?: string;
  /** Stop accepting, disconnect every socket and connection, and close the store if this server opened it. */
  close(): Promise<void>;
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  readonly config: ServerConfig;
  /** a store the caller opened (and closes); absent: opened from `config.store` and closed by `close()` */
  readonly store?: Store;
  /** where log lines go (tests capture them); default stdout */
  readonly logDestination?: DestinationStream;
  /** the clock, ms since epoch (tests move it); default Date.now */
  readonly now?: () => number;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return host === '::' ? '[::1]' : '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeHttpServer(server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Idle keep-alive connections would hold close() open until they time out.
    server.closeAllConnections();
  });
}

/** Open the store (unless given), build the context and both APIs, and listen on config.host:config.port. */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const { config } = opts;
  const root = createRootLogger(config.logLevel, opts.logDestination);
  const store = opts.store ?? (await createStore(config.store));
  const ctx: ServerContext = { config, store, log: root, hub: createHub(), now: opts.now ?? (() => Date.now()) };
  try {
    // Before anything is served: the log key must be usable and older certificates in the log.
    await openTransparencyLog(ctx, moduleLogger(root, 'transparency'));
  } catch (error) {
    if (opts.store === undefined) await store.close();
    throw error;
  }
  const httpServer = http.createServer(createHttpApp(ctx, config.admin === undefined ? 'all' : 'public'));
  answerClientErrors(httpServer, moduleLogger(root, 'http'));
  // The admin API's listener carries no socket.io: it is for the admin tool, never for agents.
  const adminServer = config.admin === undefined ? undefined : http.createServer(createHttpApp(ctx, 'admin'));
  if (adminServer !== undefined) answerClientErrors(adminServer, moduleLogger(root, 'http'));
  let fanOut: RedisFanOut | undefined;
  try {
    if (config.redisUrl !== undefined) fanOut = await connectRedisFanOut(config.redisUrl, moduleLogger(root, 'scale-out'));
  } catch (error) {
    if (opts.store === undefined) await store.close();
    throw error;
  }
  const sockets = attachSocketServer(ctx, httpServer, fanOut === undefined ? {} : { adapter: fanOut.adapter });
  try {
    await listen(httpServer, config.host, config.port);
    if (adminServer !== undefined && config.admin !== undefined) await listen(adminServer, config.admin.host, config.admin.port);
  } catch (error) {
    await sockets.close();
    await closeHttpServer(httpServer);
    await fanOut?.close();
    if (opts.store === undefined) await store.close();
    throw error;
  }
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${urlHost(config.host)}:${port}`;
  const adminUrl = adminServer === undefined || config.admin === undefined
    ? undefined
    : `http://${urlHost(config.admin.host)}:${(adminServer.address() as AddressInfo).port}`;

  const maintenance = scheduleMaintenance([purgeJob(ctx), retentionJob(ctx)], moduleLogger(root, 'maintenance'));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      maintenance.stop();
      await sockets.close();
      await closeHttpServer(httpServer);
      if (adminServer !== undefined) await closeHttpServer(adminServer);
      await fanOut?.close();
      if (opts.store === undefined) await store.close();
    })();
    return closing;
  };
  root.info({ url, ...(adminUrl === undefined ? {} : { adminUrl }), store: store.kind, fanOut: fanOut === undefined ? 'process' : 'redis' }, 'server listening');
  return { url, port, ctx, httpServer, ...(adminUrl === undefined ? {} : { adminUrl }), close };
}
