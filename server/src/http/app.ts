/**
 * The Express 5 application of the REST API (docs/design.md §7): security headers, per-IP rate
 * limit, exactly the protocol's route table with its auth and schemas, 404 for anything
 * else, and one error handler.
 */
import express from 'express';
import type { Express } from 'express';
import helmet from 'helmet';
import type { ServerContext } from '../context';
import { moduleLogger } from '../logger';
import { ipRateLimit } from './auth';
import { clientAddressResolver } from './client-address';
import { errorHandler, notFoundHandler } from './errors';
import { createRateLimiter } from './rate-limit';
import { requestStateMiddleware } from './request-state';
import { bindRoutes } from './route-binding';
import type { RouteHandlers } from './route-binding';
import { accountRoutes } from './routes/accounts';
import { auditRoutes } from './routes/audit';
import { blobRoutes } from './routes/blobs';
import { certificateRoutes } from './routes/certificates';
import { healthRoutes } from './routes/health';
import { keyRoutes } from './routes/keys';
import { mailboxRoutes } from './routes/mailbox';
import { transparencyRoutes } from './routes/transparency';
import { workspaceRoutes } from './routes/workspaces';

/** Every route's handler; the type demands one per entry of the protocol's route table. */
export const ROUTE_HANDLERS: RouteHandlers = {
  ...healthRoutes,
  ...accountRoutes,
  ...certificateRoutes,
  ...transparencyRoutes,
  ...keyRoutes,
  ...workspaceRoutes,
  ...mailboxRoutes,
  ...blobRoutes,
  ...auditRoutes,
};

/**
 * Which routes a listener serves: `all` (one listener, the development default), `public`
 * (every route but the admin API's, when the admin API has a listener of its own) or `admin`
 * (the admin API and the unauthenticated routes the admin tool also reads: root, health,
 * the transparency log).
 */
export type ListenerRoutes = 'all' | 'public' | 'admin';

/** Build the REST app over a server context (no listening: see `startServer`). */
export function createHttpApp(ctx: ServerContext, routes: ListenerRoutes = 'all'): Express {
  const log = moduleLogger(ctx.log, 'http');
  // Same store, same hub, same clock: only the logger is this module's.
  const httpCtx: ServerContext = { config: ctx.config, store: ctx.store, hub: ctx.hub, log, now: () => ctx.now() };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestStateMiddleware(log));
  app.use(helmet());
  app.use(ipRateLimit(createRateLimiter(ctx.config.ratePerIpPerMinute), clientAddressResolver(ctx.config.trustedProxies)));
  const served = (auth: 'admin' | 'device' | 'none'): boolean => (routes === 'public' ? auth !== 'admin' : routes === 'admin' ? auth !== 'device' : true);
  bindRoutes(app, httpCtx, ROUTE_HANDLERS, createRateLimiter(ctx.config.ratePerDevicePerMinute), served);
  app.use(notFoundHandler());
  app.use(errorHandler(httpCtx));
  return app;
}
