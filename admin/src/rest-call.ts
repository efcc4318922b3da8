/**
 * One call of a route of the protocol's table, as the admin tools make it: the URL from
 * the table, our own body checked with the route's body schema before it leaves, and the
 * answer parsed with the route's response schema (or the protocol's ErrorBody) from
 * `unknown` — the server is not trusted to answer in shape any more than it is trusted
 * with keys. The admin client (admin routes, with the operator's token) and the log
 * client (public routes, no token) both call through here.
 */
import type { z } from 'zod';
import { errorBodySchema, REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { RouteName, RouteResponse } from '@yhteispoyta/crypto/protocol';
import { AdminError, ServerRefusedError, errorMessage } from './errors';

/** Where and how to call. */
export interface RestConnection {
  /** a base URL that passed {@link parseServerUrl} */
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  /** the server's ADMIN_TOKEN, for admin routes */
  readonly token?: string;
}

/** Per request, unless the caller says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Largest answer read (500 pending enrolments with certificates, or a page of 1000 log entries, are well below it). */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Parse and normalise a server base URL; AdminError `invalid_input` when it is not http(s). */
export function parseServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AdminError('invalid_input', `not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AdminError('invalid_input', `the server URL must be http or https: ${text}`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new AdminError('invalid_input', 'the server URL must not carry credentials, a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
}

/** The reason a fetch failed to reach the server (ECONNREFUSED, a timeout …), in a few words. */
function unreachableReason(error: unknown): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return errorMessage(error);
}

/** Call route `name` at `path` (its parameters and query filled in) with `body`; the parsed answer. */
export async function callRoute<N extends RouteName>(connection: RestConnection, name: N, path: string, body: unknown): Promise<RouteResponse<N>> {
  const spec = REST_ROUTES[name];
  if ('body' in spec) {
    // Our own bodies are checked too: a field out of range is our bug, said before the server says it.
    const checked = (spec.body as z.ZodType).safeParse(body);
    if (!checked.success) throw new AdminError('invalid_input', `${name}: ${checked.error.issues[0]?.message ?? 'invalid request'}`);
  }
  const init: RequestInit = {
    method: spec.method,
    headers: {
      ...(connection.token === undefined ? {} : { authorization: `Bearer ${connection.token}` }),
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(connection.timeoutMs),
    redirect: 'error',
  };
  let response: Response;
  let text: string;
  try {
    response = await connection.fetch(`${connection.baseUrl}${path}`, init);
    text = await response.text();
  } catch (error) {
    throw new AdminError('server_unreachable', `cannot reach ${connection.baseUrl}: ${unreachableReason(error)}`, { cause: error });
  }
  if (text.length > MAX_RESPONSE_BYTES) throw new AdminError('bad_response', `${name}: the answer is too large`);
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = errorBodySchema.safeParse(json);
    if (error.success) throw new ServerRefusedError(response.status, error.data.error.code, error.data.error.message, error.data.error.id);
    throw new ServerRefusedError(response.status, `http_${response.status}`, `the server answered HTTP ${response.status}`);
  }
  const parsed = (spec.response as z.ZodType).safeParse(json);
  if (!parsed.success) throw new AdminError('bad_response', `${name}: the server's answer does not follow the protocol (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  // The schema parsed is the route's own response schema, so its output is RouteResponse<N>.
  return parsed.data as RouteResponse<N>;
}
