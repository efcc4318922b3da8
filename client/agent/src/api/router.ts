/**
 * A minimal method + path router for the JSON API: patterns like
 * `/api/workspaces/:workspaceId/chat` with `:name` segments. Handlers return the JSON
 * body to send, or {@link RESPONDED} when they wrote the response themselves (downloads).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a handler gets. Path parameters are raw strings: handlers parse them with zod. */
export interface RouteRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
}

/** Returned by a handler that wrote the response itself. */
export const RESPONDED: unique symbol = Symbol('responded');

/** A JSON body with an explicit status; a plain returned value is sent with 200. */
export class JsonReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/** A route handler: the 200 JSON body, a {@link JsonReply}, or {@link RESPONDED}. */
export type RouteHandler = (request: RouteRequest) => Promise<unknown>;

/** The HTTP methods the API routes. */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Route {
  readonly method: Method;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

/** Outcome of {@link Router.match}. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly handler: RouteHandler; readonly params: Record<string, string> }
  | { readonly kind: 'method_not_allowed'; readonly allowed: readonly Method[] }
  | { readonly kind: 'not_found' };

/** Routes by method and path pattern. */
export class Router {
  readonly #routes: Route[] = [];

  /** Register `handler` for `method` on `pattern`. */
  add(method: Method, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** Find the handler of a request path (already without its query). */
  match(method: string, pathname: string): RouteMatch {
    let segments: string[];
    try {
      segments = pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    } catch {
      return { kind: 'not_found' };
    }
    const allowed: Method[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (params === undefined) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { kind: 'found', handler: route.handler, params };
      }
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'method_not_allowed', allowed } : { kind: 'not_found' };
  }
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    const value = actual[i];
    if (expected === undefined || value === undefined) return undefined;
    if (expected.startsWith(':')) params[expected.slice(1)] = value;
    else if (expected !== value) return undefined;
  }
  return params;
}
