/**
 * Per-request facts the layers of the HTTP app share: the request id (returned in every
 * error body and logged with the request), the matched route, and the authenticated
 * device. Kept in a WeakMap keyed by the request, so nothing is attached to Express's
 * untyped `res.locals` and nothing outlives the request.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RouteName } from '@yhteispoyta/crypto/protocol';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import type { Logger } from 'pino';
import type { AuthenticatedDevice } from '../services/sessions';

/** What the app knows about one request so far. */
export interface RequestState {
  readonly requestId: string;
  readonly startedAt: number;
  routeName?: RouteName;
  /** the `:workspaceId` of the matched path, when well formed (error handlers no longer see route params) */
  workspaceId?: string;
  device?: AuthenticatedDevice;
}

const states = new WeakMap<Request, RequestState>();

/** The state of a request that passed {@link requestStateMiddleware}. */
export function requestState(req: Request): RequestState {
  let state = states.get(req);
  if (state === undefined) {
    // Only reachable if a handler runs before the first middleware; still give it an id.
    state = { requestId: toHex(randomBytes(12)), startedAt: Date.now() };
    states.set(req, state);
  }
  return state;
}

/**
 * First middleware: assigns the request id (also sent as `X-Request-Id`) and logs one
 * line per finished request with route name, status and duration. The URL, headers and
 * bodies are never logged: they may carry tokens, codes or ciphertext.
 */
export function requestStateMiddleware(log: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const state: RequestState = { requestId: toHex(randomBytes(12)), startedAt: Date.now() };
    states.set(req, state);
    res.setHeader('X-Request-Id', state.requestId);
    res.setHeader('Cache-Control', 'no-store');
    res.on('finish', () => {
      log.info(
        {
          requestId: state.requestId,
          method: req.method,
          route: state.routeName ?? 'unmatched',
          status: res.statusCode,
          ms: Date.now() - state.startedAt,
          ...(state.device === undefined ? {} : { device: `${state.device.userId}.${state.device.deviceId}` }),
        },
        'request',
      );
    });
    next();
  };
}
