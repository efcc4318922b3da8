/**
 * The REST half of the in-process server: a route of the protocol's table run through the
 * real handlers (http/app.ts ROUTE_HANDLERS) with the same checks as the Express binding —
 * the operator or session token, params, query and body parsed with the route's zod
 * schemas, the answer parsed with its response schema, refusals answered with the
 * protocol's ErrorBody and audited as `denied` — but without HTTP. Two ways in: by route
 * name ({@link InProcessRestClient}, the agent's RestClient) and by method and path
 * ({@link dispatchRest}, what the REST testkits' `call` uses).
 */
import { MAX_BLOB_BYTES, BLOB_CONTENT_TYPE, blobUploadResponseSchema, errorBodySchema, ID_PATTERN, REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { RouteBody, RouteName, RouteQuery, RouteResponse, RouteSpec } from '@yhteispoyta/crypto/protocol';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { RestClient } from '@yhteispoyta/agent/contracts';
import { RestError } from '@yhteispoyta/agent/contracts';
import type { ServerContext } from '../context';
import type { ApiAnswer, ApiRequest } from '../http/api-call.testkit';
import { ROUTE_HANDLERS } from '../http/app';
import { adminTokenCheck, authenticatedDevice } from '../http/auth';
import { auditRefusal, toProtocolError } from '../http/errors';
import type { RawExchange } from '../http/raw-exchange';
import { bodyWorkspace } from '../http/route-binding';
import type { ErasedHandler } from '../http/route-binding';
import { parseRequestPart } from '../http/validation';
import type { AuthenticatedDevice } from '../services/sessions';
import type { Interceptor } from './traffic.testkit';

/** What the REST half shares with the rest of the in-process server. */
export interface RestCore {
  readonly ctx: ServerContext;
  readonly log: Logger;
  /** the interceptor of the moment */
  interceptor(): Interceptor | undefined;
}

/** A call of one route, its parts as they arrive (strings from a path and query, JSON values from a body). */
interface RouteInput {
  readonly token: string | undefined;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  readonly body: unknown;
  readonly raw: RawExchange;
}

/** The outcome of one call: the status and the JSON answer (or ErrorBody), or the bytes of a download. */
interface RouteOutcome {
  readonly status: number;
  readonly json?: unknown;
  readonly bytes?: Uint8Array[];
  readonly requestId: string;
  readonly device: AuthenticatedDevice | undefined;
}

/** Routes without a query schema take no query parameters at all (as the Express binding). */
const NO_QUERY = z.strictObject({});

/** A RawExchange over a body held in memory; a download's bytes are collected, bounded by the protocol's blob limit. */
function memoryExchange(mediaType: string | undefined, declaredLength: number, source: AsyncIterable<Uint8Array> | undefined) {
  let status = 200;
  let bytes: Uint8Array[] | undefined;
  const raw: RawExchange = {
    mediaType,
    declaredLength,
    body: () => source ?? (async function* () {})(),
    setStatus: (s) => {
      status = s;
    },
    async sendBytes(size, chunks) {
      const collected: Uint8Array[] = [];
      let total = 0;
      for await (const chunk of chunks) {
        total += chunk.byteLength;
        if (total > MAX_BLOB_BYTES) throw new Error('download larger than the protocol allows');
        collected.push(chunk);
      }
      if (total !== size) throw new Error('download of another size than announced');
      bytes = collected;
    },
  };
  return { raw, status: () => status, bytes: () => bytes };
}

/** One route run as the Express binding runs it (http/route-binding.ts, http/errors.ts). Never throws. */
async function invoke(core: RestCore, name: RouteName, input: RouteInput, exchange: ReturnType<typeof memoryExchange>): Promise<RouteOutcome> {
  const spec: RouteSpec = REST_ROUTES[name];
  const requestId = toHex(randomBytes(12));
  let device: AuthenticatedDevice | undefined;
  let workspaceId = ID_PATTERN.test(input.params['workspaceId'] ?? '') ? input.params['workspaceId'] : undefined;
  try {
    if (spec.auth === 'admin') adminTokenCheck(core.ctx)(input.token);
    if (spec.auth === 'device') device = await authenticatedDevice(core.ctx, input.token);
    const params = spec.params === undefined ? undefined : parseRequestPart(spec.params, input.params, 'params');
    const query = parseRequestPart(spec.query ?? NO_QUERY, input.query, 'query');
    const body = spec.body === undefined ? undefined : parseRequestPart(spec.body, input.body, 'body');
    workspaceId ??= bodyWorkspace(body);
    const handler = ROUTE_HANDLERS[name] as unknown as ErasedHandler;
    const result = await handler({ ctx: core.ctx, device: device ?? null, params, query, body, raw: exchange.raw });
    if (spec.stream === 'download') return { status: 200, bytes: exchange.bytes() ?? [], requestId, device };
    const answer = spec.response.safeParse(result);
    if (!answer.success) throw new Error(`handler answer does not match the response schema of ${name}`);
    return { status: exchange.status(), json: answer.data, requestId, device };
  } catch (thrown) {
    const error = toProtocolError(thrown);
    if (error.code === 'internal') core.log.error({ requestId, route: name, err: thrown }, 'request failed');
    await auditRefusal(core.ctx, { route: name, device, workspaceId }, error);
    return { status: error.status, json: error.toBody(requestId), requestId, device };
  }
}

/** A JSON value as it would arrive over the wire: a deep copy without anything JSON cannot carry. */
function overTheWire(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** The REST answer after the interceptor: the value to go on, or undefined when it was dropped. */
function interceptAnswer(core: RestCore, name: RouteName, device: AuthenticatedDevice | undefined, response: unknown): { value: unknown } | undefined {
  const ref: DeviceRef | undefined = device === undefined ? undefined : { userId: device.userId, deviceId: device.deviceId };
  const verdict = core.interceptor()?.({ kind: 'rest', device: ref, route: name, response: structuredClone(response) }) ?? 'pass';
  if (verdict === 'drop') return undefined;
  if (typeof verdict === 'object' && 'replace' in verdict) return { value: verdict.replace };
  return { value: response };
}

// ---------------------------------------------------------------------------------------
// By method and path (the REST testkits' `call`)

interface CompiledRoute {
  readonly name: RouteName;
  readonly method: string;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

const COMPILED: readonly CompiledRoute[] = (Object.keys(REST_ROUTES) as RouteName[]).map((name) => {
  const spec: RouteSpec = REST_ROUTES[name];
  const paramNames: string[] = [];
  const source = spec.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      paramNames.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { name, method: spec.method, pattern: new RegExp(`^${source}$`), paramNames };
});

function answerHeaders(requestId: string, contentType: string): Headers {
  return new Headers({ 'content-type': contentType, 'x-request-id': requestId, 'cache-control': 'no-store' });
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Answer `method path` as the REST API would (404 for what no route matches); never throws. */
export async function dispatchRest(core: RestCore, method: string, path: string, request: ApiRequest): Promise<ApiAnswer> {
  // Without the interceptor nothing is dropped.
  return (await answerRest(core, method, path, request, false)) as ApiAnswer;
}

/** {@link dispatchRest}, a 200 JSON answer passing the interceptor first when `intercept`; undefined when it was dropped. */
async function answerRest(core: RestCore, method: string, path: string, request: ApiRequest, intercept: boolean): Promise<ApiAnswer | undefined> {
  const url = new URL(path, 'http://in-process');
  const matched = COMPILED.map((route) => ({ route, match: route.method === method ? route.pattern.exec(url.pathname) : null })).find((m) => m.match !== null);
  if (matched === undefined || matched.match === null) {
    const requestId = toHex(randomBytes(12));
    return { status: 404, body: { error: { code: 'not_found', message: 'no such route', id: requestId } }, headers: answerHeaders(requestId, 'application/json') };
  }
  const params: Record<string, string> = {};
  matched.route.paramNames.forEach((param, i) => {
    params[param] = decodeURIComponent(matched.match?.[i + 1] ?? '');
  });
  const raw = request.raw;
  const textBody = request.json !== undefined ? JSON.stringify(request.json) : request.text;
  let body: unknown;
  if (textBody !== undefined) {
    try {
      body = JSON.parse(textBody);
    } catch {
      body = undefined;
    }
  }
  const mediaType = request.json !== undefined ? 'application/json' : raw !== undefined ? (request.contentType ?? 'application/octet-stream') : request.contentType;
  const exchange = memoryExchange(mediaType, raw?.byteLength ?? 0, raw === undefined ? undefined : once(raw));
  const outcome = await invoke(core, matched.route.name, { token: request.token, params, query: Object.fromEntries(url.searchParams), body, raw: exchange.raw }, exchange);
  if (outcome.bytes !== undefined) {
    const bytes = Buffer.concat(outcome.bytes);
    return { status: 200, body: undefined, bytes: new Uint8Array(bytes), headers: answerHeaders(outcome.requestId, BLOB_CONTENT_TYPE) };
  }
  const json = overTheWire(outcome.json);
  const intercepted = intercept && outcome.status === 200 ? interceptAnswer(core, matched.route.name, outcome.device, json) : { value: json };
  if (intercepted === undefined) return undefined;
  return { status: outcome.status, body: intercepted.value, headers: answerHeaders(outcome.requestId, 'application/json') };
}

/**
 * `fetch` into the REST handlers, for the agent's own HTTP client (HttpRestClient: enrolment,
 * login, a Device): the request's method, path and query, bearer token and JSON or
 * octet-stream body are answered as {@link dispatchRest} answers them, a 200 JSON answer
 * after the interceptor (`drop`: the fetch rejects as on a network failure, which the
 * client reports as `offline`). No HTTP, no port.
 */
export function restFetch(core: RestCore): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const authorization = request.headers.get('authorization') ?? '';
    const token = authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    const contentType = request.headers.get('content-type') ?? undefined;
    const bytes = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
    const body = bytes === undefined ? {} : contentType?.startsWith('application/json') === true
      ? { text: Buffer.from(bytes).toString('utf8'), contentType }
      : { raw: bytes, ...(contentType === undefined ? {} : { contentType }) };
    const answer = await answerRest(core, request.method, `${url.pathname}${url.search}`, { ...(token === undefined ? {} : { token }), ...body }, true);
    if (answer === undefined) throw new TypeError('fetch failed');
    if (answer.bytes !== undefined) {
      const headers = new Headers(answer.headers);
      headers.set('content-length', String(answer.bytes.byteLength));
      return new Response(new Uint8Array(answer.bytes), { status: answer.status, headers });
    }
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: answer.headers });
  };
}

// ---------------------------------------------------------------------------------------
// By route name (the agent's RestClient)

/** Where a RestClient's session tokens come from (as the agent's TokenSource). */
export interface SessionTokens {
  current(): Promise<string>;
  /** log in again: the server refused the current token */
  renew(): Promise<string>;
}

/** Who a RestClient calls as: a device's session (device routes), the operator's token (admin routes), both or neither. */
export interface RestCaller {
  readonly tokens?: SessionTokens;
  readonly adminToken?: string;
}

type CallInput<N extends RouteName> = { params?: Record<string, string>; query?: RouteQuery<N>; body?: RouteBody<N> };

/** {@link RestClient} straight into the route handlers; logs in again once on 401, as the agent's HTTP client. */
export class InProcessRestClient implements RestClient {
  readonly #core: RestCore;
  readonly #caller: RestCaller;

  constructor(core: RestCore, caller: RestCaller) {
    this.#core = core;
    this.#caller = caller;
  }

  async call<N extends RouteName>(route: N, input: CallInput<N>): Promise<RouteResponse<N>> {
    const spec: RouteSpec = REST_ROUTES[route];
    if (spec.stream !== undefined) throw new TypeError(`${route} is a streamed route: use uploadBlob/downloadBlob`);
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries((input.query ?? {}) as Record<string, unknown>)) if (value !== undefined) query[key] = String(value);
    const send = async (renew: boolean): Promise<RouteOutcome> => {
      const exchange = memoryExchange(input.body === undefined ? undefined : 'application/json', 0, undefined);
      const token = await this.#token(spec, renew);
      return invoke(this.#core, route, { token, params: input.params ?? {}, query, body: overTheWire(input.body), raw: exchange.raw }, exchange);
    };
    let outcome = await send(false);
    if (outcome.status === 401 && spec.auth === 'device' && this.#caller.tokens !== undefined) outcome = await send(true);
    const json = this.#answer(route, outcome);
    const parsed = spec.response.safeParse(json);
    if (!parsed.success) throw new RestError('bad_response', `${route}: the server's answer does not match the protocol`, outcome.status);
    // The route's own response schema produced this value.
    return parsed.data as RouteResponse<N>;
  }

  async uploadBlob(workspaceId: string, body: AsyncIterable<Uint8Array>, size: number, onProgress?: (sent: number) => void): Promise<{ blobId: string; size: number }> {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError('size must be a non-negative integer');
    if (size > MAX_BLOB_BYTES) throw new RestError('too_large', `blob of ${size} bytes exceeds ${MAX_BLOB_BYTES}`);
    let sent = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        sent += chunk.byteLength;
        if (sent > size) throw new RestError('bad_request', 'the body is longer than its declared size');
        onProgress?.(sent);
        yield chunk;
      }
    }
    const exchange = memoryExchange(BLOB_CONTENT_TYPE, size, counted());
    const outcome = await invoke(this.#core, 'uploadBlob', { token: await this.#token(REST_ROUTES.uploadBlob, false), params: { workspaceId }, query: {}, body: undefined, raw: exchange.raw }, exchange);
    const parsed = blobUploadResponseSchema.safeParse(this.#answer('uploadBlob', outcome));
    if (!parsed.success || parsed.data.size !== sent) throw new RestError('bad_response', 'uploadBlob: the server did not confirm the bytes sent', outcome.status);
    return parsed.data;
  }

  async downloadBlob(workspaceId: string, blobId: string): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }> {
    const exchange = memoryExchange(undefined, 0, undefined);
    const outcome = await invoke(this.#core, 'downloadBlob', { token: await this.#token(REST_ROUTES.downloadBlob, false), params: { workspaceId, blobId }, query: {}, body: undefined, raw: exchange.raw }, exchange);
    if (outcome.bytes === undefined) this.#answer('downloadBlob', outcome);
    const chunks = (outcome.bytes ?? []).map((c) => new Uint8Array(c));
    return { size: chunks.reduce((n, c) => n + c.byteLength, 0), chunks: (async function* () { yield* chunks; })() };
  }

  async #token(spec: RouteSpec, renew: boolean): Promise<string | undefined> {
    if (spec.auth === 'admin') {
      if (this.#caller.adminToken === undefined) throw new RestError('unauthenticated', 'no operator token configured');
      return this.#caller.adminToken;
    }
    if (spec.auth !== 'device') return undefined;
    if (this.#caller.tokens === undefined) throw new RestError('unauthenticated', 'not logged in');
    return renew ? this.#caller.tokens.renew() : this.#caller.tokens.current();
  }

  /** The JSON answer of a 200 (after the interceptor), or the RestError of a refusal. */
  #answer(route: RouteName, outcome: RouteOutcome): unknown {
    if (outcome.status !== 200) {
      const error = errorBodySchema.safeParse(overTheWire(outcome.json));
      if (!error.success) throw new RestError('bad_response', `${route}: an error answer without an ErrorBody`, outcome.status);
      throw new RestError(error.data.error.code, error.data.error.message, outcome.status);
    }
    const intercepted = interceptAnswer(this.#core, route, outcome.device, overTheWire(outcome.json));
    if (intercepted === undefined) throw new RestError('offline', `${route}: the server could not be reached`);
    return intercepted.value;
  }
}
