/**
 * A minimal method + path matcher: patterns like `/api/workspaces/:workspaceId/chat`
 * with `:name` segments. It only finds what is registered for a request path; what a
 * route is and how it is served is route-binding.ts's business.
 */

/** The HTTP methods the API routes. */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Route<T> {
  readonly method: Method;
  readonly segments: readonly string[];
  readonly target: T;
}

/** Outcome of {@link Router.match}. Path parameters are the raw (decoded) segments. */
export type RouteMatch<T> =
  | { readonly kind: 'found'; readonly target: T; readonly params: Record<string, string> }
  | { readonly kind: 'method_not_allowed'; readonly allowed: readonly Method[] }
  | { readonly kind: 'not_found' };

/** Targets by method and path pattern. */
export class Router<T> {
  readonly #routes: Route<T>[] = [];

  /** Register `target` for `method` on `pattern`. */
  add(method: Method, pattern: string, target: T): this {
    this.#routes.push({ method, segments: pattern.split('/').filter(Boolean), target });
    return this;
  }

  /** Find the target of a request path (already without its query). HEAD finds GET's. */
  match(method: string, pathname: string): RouteMatch<T> {
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
        return { kind: 'found', target: route.target, params };
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
