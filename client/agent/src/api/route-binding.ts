/**
 * Binds the local-API contract's route table (@yhteispoyta/local-api) to handlers: for
 * every entry exactly its method and path; its params, query and JSON body parsed with
 * the entry's schemas before the handler runs (a bad one is the typed 400); the handler's
 * answer parsed with the entry's response schema and sent with the entry's status (a
 * handler bug becomes a logged 500, never a malformed answer, and nothing a handler's
 * objects carry beyond the contract reaches the page). Handlers are typed per route, so a
 * missing route or a wrong answer shape is a compile error; one lost through a cast
 * fails at start.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_API_ROUTES } from '@yhteispoyta/local-api';
import type { LocalRouteBody, LocalRouteName, LocalRouteParams, LocalRouteQuery, LocalRouteResponse, LocalRouteSpec } from '@yhteispoyta/local-api';
import { parseWith, readJson, sendJson } from './http-util';
import { Router } from './router';

type Spec<N extends LocalRouteName> = (typeof LOCAL_API_ROUTES)[N];

/** A value, or any read-only view of it: handlers may answer with the agent's read-only shapes. */
export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** Everything a handler of route `N` gets: its parsed parts, and the raw request for streams. */
export interface RouteCall<N extends LocalRouteName> {
  readonly params: LocalRouteParams<N>;
  readonly query: LocalRouteQuery<N>;
  readonly body: LocalRouteBody<N>;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** What a handler answers: the JSON answer, or nothing when it wrote a download itself. */
export type RouteResult<N extends LocalRouteName> = Spec<N> extends { readonly stream: 'download' } ? void : DeepReadonly<LocalRouteResponse<N>>;

/** The handler of route `N`. */
export type RouteHandler<N extends LocalRouteName> = (call: RouteCall<N>) => Promise<RouteResult<N>>;

/** A handler for every route of the table. Route files each give a part (`satisfies Partial<RouteHandlers>`). */
export type RouteHandlers = { readonly [N in LocalRouteName]: RouteHandler<N> };

/** A route with its handler, ready to serve a matched request. */
export interface BoundRoute {
  readonly name: LocalRouteName;
  /** Parse the request's parts, run the handler, and answer. */
  serve(req: IncomingMessage, res: ServerResponse, params: Readonly<Record<string, string>>, query: URLSearchParams): Promise<void>;
}

// The table is heterogeneous; one erased signature lets a single loop bind it. Every
// handler was type-checked against its own route in RouteHandlers.
type ErasedCall = { params: unknown; query: unknown; body: unknown; req: IncomingMessage; res: ServerResponse };
type ErasedHandler = (call: ErasedCall) => Promise<unknown>;

/** Checked after a route's path parameters are parsed, before its handler runs; throws to refuse. */
export type RouteGuard = (name: LocalRouteName, params: unknown) => void;

function bind(name: LocalRouteName, spec: LocalRouteSpec, handler: ErasedHandler, guard: RouteGuard | undefined): BoundRoute {
  return {
    name,
    async serve(req, res, rawParams, rawQuery) {
      // Parts are parsed in the order of the URL, then the body: the first bad one is named.
      const params = spec.params === undefined ? undefined : parseWith(spec.params, { ...rawParams }, '');
      guard?.(name, params);
      const query = spec.query === undefined ? undefined : parseWith(spec.query, Object.fromEntries(rawQuery), 'query');
      const body = spec.body === undefined ? undefined : await readJson(req, spec.body);
      const result = await handler({ params, query, body, req, res });
      if (spec.response === undefined) return;
      const answer = spec.response.safeParse(result);
      if (!answer.success) throw new Error(`the answer of ${name} does not match its response schema: ${answer.error.issues[0]?.path.join('.') ?? '?'}`);
      sendJson(res, spec.status, answer.data);
    },
  };
}

/**
 * Bind every route of the table to its handler, each behind `guard` when given. Throws for a
 * route without a handler, or a handler without a route.
 */
export function bindRoutes(handlers: RouteHandlers, guard?: RouteGuard): Router<BoundRoute> {
  const router = new Router<BoundRoute>();
  const names = Object.keys(LOCAL_API_ROUTES) as LocalRouteName[];
  const unknown = Object.keys(handlers).filter((name) => !(name in LOCAL_API_ROUTES));
  if (unknown.length > 0) throw new Error(`handlers for routes the table does not have: ${unknown.join(', ')}`);
  for (const name of names) {
    const spec: LocalRouteSpec = LOCAL_API_ROUTES[name];
    const handler: unknown = handlers[name];
    // The type already demands a handler per route; this catches one lost through a cast
    // or a table that grew after the handlers were written, at start instead of at the
    // first request.
    if (typeof handler !== 'function') throw new Error(`no handler for route ${name}`);
    router.add(spec.method, spec.path, bind(name, spec, handler as ErasedHandler, guard));
  }
  return router;
}
