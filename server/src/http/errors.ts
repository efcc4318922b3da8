/**
 * The one error path of the HTTP app: anything thrown or passed to `next` becomes an
 * `ErrorBody` with the protocol's status for its code and the request id. Expected
 * refusals (`ProtocolError`, body-parser limits) say what was wrong; everything else is
 * `500 internal` with a fixed message, its details only in the log under the same id.
 * Refusals on known routes are recorded in the audit log as `denied`.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { ErrorCode, RouteName } from '@yhteispoyta/crypto/protocol';
import type { Needs, ServerContext } from '../context';
import { recordAuditSafely } from '../services/audit';
import type { AuthenticatedDevice } from '../services/sessions';
import { requestState } from './request-state';

/** Refusals not worth an audit entry: shedding load must stay cheap, and internal errors are logged instead. */
const UNAUDITED: ReadonlySet<ErrorCode> = new Set(['rate_limited', 'internal']);

function errorField(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** A thrown value as the protocol error it answers with. */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  // body-parser errors carry a `type` and a 4xx `status`.
  const type = errorField(error, 'type');
  const status = errorField(error, 'status');
  if (type === 'entity.too.large') return new ProtocolError('too_large', 'the request body is too large');
  if (type === 'entity.parse.failed') return new ProtocolError('bad_request', 'the request body is not valid JSON');
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) {
    return new ProtocolError('bad_request', 'the request body could not be read');
  }
  // The router's own 4xx errors (a path with broken percent-encoding …).
  if (typeof status === 'number' && status >= 400 && status < 500) return new ProtocolError('bad_request', 'malformed request');
  return new ProtocolError('internal', 'internal error');
}

/** Who was refused what: the route, the authenticated device if any, and the workspace the request named. */
export interface RefusedCall {
  readonly route: RouteName | undefined;
  readonly device?: AuthenticatedDevice | undefined;
  readonly workspaceId?: string | undefined;
}

/**
 * Records a refusal on a known route as an audit `denied` entry (never throws): the
 * route, the code, the message and the error's details, under the workspace the request
 * named. Shedding load (`rate_limited`) and internal errors are not recorded.
 */
export async function auditRefusal(ctx: Needs<'audit', 'now' | 'log'>, refused: RefusedCall, error: ProtocolError): Promise<void> {
  if (refused.route === undefined || UNAUDITED.has(error.code)) return;
  const detail: Record<string, string> = { route: refused.route, error: error.code, text: error.message };
  for (const [key, value] of Object.entries(error.details ?? {})) detail[key] = String(value);
  await recordAuditSafely(ctx, {
    actor: refused.device === undefined ? null : { userId: refused.device.userId, deviceId: refused.device.deviceId },
    action: 'denied',
    ...(refused.workspaceId === undefined ? {} : { workspaceId: refused.workspaceId }),
    detail,
  });
}

/** How long a refused request's unread body is still accepted (and discarded) after the answer. */
const LINGER_MS = 5_000;

/**
 * A refusal answered before the body was read (auth, size limit): the rest of the body
 * is read and thrown away for a short while, then the connection is cut. Closing at once
 * would reset the connection while the client is still sending, and the client would
 * lose the answer in the reset (it would see EPIPE/ECONNRESET instead of the 413).
 */
function discardRestOfBody(req: Request, res: Response): void {
  res.once('finish', () => {
    if (req.complete) return;
    const socket = req.socket;
    const cut = setTimeout(() => socket.destroy(), LINGER_MS);
    cut.unref();
    // Whichever comes first takes the other listener off too: a kept-alive socket serves
    // many requests, and a listener left on it per refusal would pile up for its lifetime.
    const stop = (): void => {
      clearTimeout(cut);
      req.off('end', stop);
      socket.off('close', stop);
    };
    req.once('end', stop);
    socket.once('close', stop);
    req.resume();
  });
}

/** The error middleware: last in the chain. */
export function errorHandler(ctx: ServerContext): ErrorRequestHandler {
  return async (thrown: unknown, req: Request, res: Response, _next: NextFunction) => {
    const state = requestState(req);
    const error = toProtocolError(thrown);
    if (error.code === 'internal') {
      ctx.log.error({ requestId: state.requestId, route: state.routeName ?? 'unmatched', err: thrown }, 'request failed');
    } else {
      ctx.log.info({ requestId: state.requestId, route: state.routeName ?? 'unmatched', refusal: error.code }, 'request refused');
    }
    await auditRefusal(ctx, { route: state.routeName, device: state.device, workspaceId: state.workspaceId }, error);
    if (res.headersSent) {
      // A streamed response broke midway: the only honest signal left is a cut connection.
      res.destroy();
      return;
    }
    if (!req.complete) discardRestOfBody(req, res);
    res.status(error.status).json(error.toBody(state.requestId));
  };
}

/** Unknown method or path: 404 `not_found`. */
export function notFoundHandler(): RequestHandler {
  return (_req: Request, _res: Response, next: NextFunction) => {
    next(new ProtocolError('not_found', 'no such route'));
  };
}
