/**
 * Mounts the protocol's route table on an Express app: for every entry, exactly its
 * method and path, its auth (admin, device, none), the JSON body parser when it takes a
 * body, parsing of params, query and body with the entry's schemas, and parsing of the
 * handler's answer with the entry's response schema (a handler bug becomes a logged 500,
 * never a malformed answer). Handlers are typed per route, so a missing route or a wrong
 * answer shape is a compile error.
 */
import express from 'express';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { ID_PATTERN, REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { RouteBody, RouteName, RouteQuery, RouteResponse, RouteSpec } from '@yhteispoyta/crypto/protocol';
import { z } from 'zod';
import type { ServerContext } from '../context';
import type { AuthenticatedDevice } from '../services/sessions';
import { requireAdmin, requireDevice } from './auth';
import type { RateLimiter } from './rate-limit';
import { requestState } from './request-state';
import { expressExchange } from './raw-exchange';
import type { RawExchange } from './raw-exchange';
import { parseRequestPart } from './validation';

type Spec<N extends RouteName> = (typeof REST_ROUTES)[N];

/** Parsed path parameters of route `N` (`undefined` when its path has none). */
export type RouteParams<N extends RouteName> = Spec<N> extends { readonly params: infer S extends z.ZodType } ? z.output<S> : undefined;

/** A value, or any read-only view of it: handlers may answer with the store's read-only shapes. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends Uint8Array
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** Everything a handler of route `N` gets. `device` is the caller of a device route, null otherwise. */
export interface RouteCall<N extends RouteName> {
  readonly ctx: ServerContext;
  readonly device: Spec<N>['auth'] extends 'device' ? AuthenticatedDevice : null;
  readonly params: RouteParams<N>;
  readonly query: RouteQuery<N>;
  readonly body: RouteBody<N>;
  /** the raw request body and response, for the routes that stream bytes or choose their status */
  readonly raw: RawExchange;
}

/** What a handler answers: the response body, or nothing when it streamed the response itself. */
export type RouteResult<N extends RouteName> = Spec<N> extends { readonly stream: 'download' } ? void : DeepReadonly<RouteResponse<N>>;

/** The handler of route `N`. */
export type RouteHandler<N extends RouteName> = (call: RouteCall<N>) => Promise<RouteResult<N>>;

/** A handler for every route of the table. */
export type RouteHandlers = { readonly [N in RouteName]: RouteHandler<N> };

/** Routes without a query schema take no query parameters at all. */
const NO_QUERY = z.strictObject({});

// The table is heterogeneous; one erased signature lets a single loop mount it. Every
// handler was type-checked against its own route in RouteHandlers.
export type ErasedCall = {
  ctx: ServerContext; device: AuthenticatedDevice | null; params: unknown; query: unknown; body: unknown; raw: RawExchange;
};
/** A handler of some route, its types erased (see above). */
export type ErasedHandler = (call: ErasedCall) => Promise<unknown>;

/**
 * A workspace named in a parsed body (an invitation's `workspaceId`): a refusal is then
 * audited under that workspace, as it is for one named in the path, so the workspace's
 * members see in its log that someone tried. Only a body that passed its schema counts.
 */
export function bodyWorkspace(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const workspaceId: unknown = (body as { workspaceId?: unknown }).workspaceId;
  return typeof workspaceId === 'string' && ID_PATTERN.test(workspaceId) ? workspaceId : undefined;
}

function noteBodyWorkspace(req: Request, body: unknown): void {
  const state = requestState(req);
  if (state.workspaceId === undefined) state.workspaceId = bodyWorkspace(body);
}

function invoke(ctx: ServerContext, spec: RouteSpec, handler: ErasedHandler): RequestHandler {
  return async (req: Request, res: Response) => {
    const call: ErasedCall = {
      ctx,
      device: requestState(req).device ?? null,
      params: spec.params === undefined ? undefined : parseRequestPart(spec.params, { ...req.params }, 'params'),
      query: parseRequestPart(spec.query ?? NO_QUERY, { ...req.query }, 'query'),
      body: spec.body === undefined ? undefined : parseRequestPart(spec.body, req.body, 'body'),
      raw: expressExchange(req, res),
    };
    noteBodyWorkspace(req, call.body);
    const result = await handler(call);
    if (spec.stream === 'download') return;
    const answer = spec.response.safeParse(result);
    if (!answer.success) throw new Error(`handler answer does not match the response schema of ${requestState(req).routeName ?? '?'}`);
    res.json(answer.data);
  };
}

function nameRoute(name: RouteName): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const state = requestState(req);
    state.routeName = name;
    const workspaceId: unknown = req.params['workspaceId'];
    if (typeof workspaceId === 'string' && ID_PATTERN.test(workspaceId)) state.workspaceId = workspaceId;
    next();
  };
}

/** Mount every route of the table with its handler (only those whose auth `served` accepts: a listener's share). */
export function bindRoutes(
  app: Express,
  ctx: ServerContext,
  handlers: RouteHandlers,
  deviceLimiter: RateLimiter,
  served: (auth: RouteSpec['auth']) => boolean = () => true,
): void {
  const json = express.json({ limit: ctx.config.maxJsonBytes });
  const admin = requireAdmin(ctx);
  const device = requireDevice(ctx, deviceLimiter);
  for (const name of Object.keys(REST_ROUTES) as RouteName[]) {
    const spec: RouteSpec = REST_ROUTES[name];
    // The type already demands a handler per route; this catches one lost through a cast
    // or a table that grew after the handlers were built, at start-up instead of at the
    // first request.
    if (typeof handlers[name] !== 'function') throw new Error(`no handler for route ${name}`);
    if (!served(spec.auth)) continue;
    const chain: RequestHandler[] = [nameRoute(name)];
    if (spec.auth === 'admin') chain.push(admin);
    if (spec.auth === 'device') chain.push(device);
    // Auth runs before the body is parsed: an unauthenticated caller costs no parsing.
    if (spec.body !== undefined) chain.push(json);
    chain.push(invoke(ctx, spec, handlers[name] as unknown as ErasedHandler));
    const method = spec.method === 'GET' ? 'get' : spec.method === 'POST' ? 'post' : 'put';
    app[method](spec.path, ...chain);
  }
}
