/**
 * Which REST route of the protocol's table a proxied request is, so the hostile relay
 * can rewrite the answers of exactly the routes a fault targets (membership listings,
 * bundle claims, mailbox fetches …) and pass every other request through untouched.
 */
import { REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { RouteName } from '@yhteispoyta/crypto/protocol';

/** A request recognised as one of the protocol's routes. */
export interface MatchedRoute {
  readonly name: RouteName;
  /** the `:name` path segments, percent-decoded */
  readonly params: Readonly<Record<string, string>>;
  /** whether the route streams its request or response body (blobs) */
  readonly stream: 'upload' | 'download' | undefined;
}

interface CompiledRoute {
  readonly name: RouteName;
  readonly method: string;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  readonly stream: 'upload' | 'download' | undefined;
}

function compile(): CompiledRoute[] {
  return (Object.keys(REST_ROUTES) as RouteName[]).map((name) => {
    const spec = REST_ROUTES[name];
    const paramNames: string[] = [];
    const source = spec.path
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        paramNames.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    const stream = 'stream' in spec ? spec.stream : undefined;
    return { name, method: spec.method, pattern: new RegExp(`^${source}$`), paramNames, stream };
  });
}

const ROUTES = compile();

/**
 * The route of a request, or undefined for a path the protocol does not have (the relay
 * forwards those unchanged too: the server answers them with its own 404). Never throws.
 */
export function matchRestRoute(method: string, pathname: string): MatchedRoute | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const found = route.pattern.exec(pathname);
    if (found === null) continue;
    const params: Record<string, string> = {};
    try {
      route.paramNames.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1] ?? '');
      });
    } catch {
      return undefined;
    }
    return { name: route.name, params, stream: route.stream };
  }
  return undefined;
}
