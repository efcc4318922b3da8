/**
 * Who is calling: the bearer-token check of device routes, the operator check of admin
 * routes, and the per-IP and per-device rate limits (429 `rate_limited`).
 *
 * Admin API: enabled only when ADMIN_TOKEN is configured. Without it every admin route
 * answers 404 `not_found`, exactly like a route that does not exist, so a server without
 * an admin token does not even reveal that an admin API could be switched on. The
 * presented token is compared in constant time (both sides hashed first, so neither the
 * content nor the length of the configured token leaks through timing).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import { bytesEqual, sha256, utf8 } from '@yhteispoyta/crypto/bytes';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs, ServerContext } from '../context';
import { authenticateToken } from '../services/sessions';
import type { AuthenticatedDevice } from '../services/sessions';
import { requestState } from './request-state';
import type { ClientAddressOf } from './client-address';
import type { RateLimiter } from './rate-limit';

/** Longest Authorization header value looked at; anything longer is not a token of ours. */
const MAX_AUTHORIZATION_CHARS = 512;

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION_CHARS) return undefined;
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(header);
  return match?.[1];
}

/**
 * Refuses a client address over its per-minute budget. Applies to every request, before
 * anything else; the address is the client's, not the proxy's (http/client-address.ts).
 */
export function ipRateLimit(limiter: RateLimiter, addressOf: ClientAddressOf): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const ip = addressOf(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    if (!limiter.take(ip)) {
      next(new ProtocolError('rate_limited', 'too many requests from this address'));
      return;
    }
    next();
  };
}

/** The device a bearer token belongs to; throws 401 `unauthenticated` for none, an unknown or an expired one. */
export async function authenticatedDevice(ctx: Needs<'auth' | 'directory', 'now'>, token: string | undefined): Promise<AuthenticatedDevice> {
  const device = token === undefined ? null : await authenticateToken(ctx, token);
  if (device === null) throw new ProtocolError('unauthenticated', 'a valid session token is required');
  return device;
}

/**
 * The operator check of admin routes: throws 404 `not_found` when no admin token is
 * configured, 401 `unauthenticated` unless the configured token is presented.
 */
export function adminTokenCheck(ctx: Pick<ServerContext, 'config'>): (presented: string | undefined) => void {
  const configured = ctx.config.adminToken === undefined ? undefined : sha256(utf8(ctx.config.adminToken));
  return (presented) => {
    if (configured === undefined) throw new ProtocolError('not_found', 'no such route');
    if (presented === undefined || !bytesEqual(sha256(utf8(presented)), configured)) {
      throw new ProtocolError('unauthenticated', 'the admin token is required');
    }
  };
}

/**
 * Device routes: the bearer token must belong to an active device (401 `unauthenticated`
 * otherwise), which must be within its per-minute budget (429 `rate_limited`).
 */
export function requireDevice(ctx: ServerContext, limiter: RateLimiter): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    let device: AuthenticatedDevice;
    try {
      device = await authenticatedDevice(ctx, bearerToken(req));
    } catch (refusal) {
      next(refusal);
      return;
    }
    requestState(req).device = device;
    if (!limiter.take(deviceKey(device))) {
      next(new ProtocolError('rate_limited', 'too many requests from this device'));
      return;
    }
    next();
  };
}

/** Admin routes: 404 when no admin token is configured, 401 unless the configured token is presented. */
export function requireAdmin(ctx: ServerContext): RequestHandler {
  const check = adminTokenCheck(ctx);
  return (req: Request, _res: Response, next: NextFunction) => {
    try {
      check(bearerToken(req));
    } catch (refusal) {
      next(refusal);
      return;
    }
    next();
  };
}
