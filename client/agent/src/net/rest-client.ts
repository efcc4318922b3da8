/**
 * The agent's REST client over fetch and the protocol's route table. Every answer is
 * parsed with the route's response schema (the server is not trusted more than any
 * other input); failures become a {@link RestError}: the server's typed code, `offline`
 * when it could not be reached, `bad_response` when its answer made no sense.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { BLOB_CONTENT_TYPE, MAX_BLOB_BYTES, REST_ROUTES, blobUploadResponseSchema, buildPath, errorBodySchema } from '@yhteispoyta/crypto/protocol';
import type { PathParams, RouteBody, RouteName, RouteQuery, RouteResponse, RouteSpec } from '@yhteispoyta/crypto/protocol';
import type { RestClient } from '../contracts';
import { RestError } from '../contracts';
import { readCapped, streamBody } from './http-body';
import type { TokenSource } from './token-source';

/** Largest JSON answer read; far above any route's bounded response. */
const MAX_JSON_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Default time a JSON request may take before it counts as offline. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Gateway answers without an ErrorBody: the server itself is not there. */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/** Options of {@link HttpRestClient}. */
export interface HttpRestClientOptions {
  /** the server's base URL, e.g. `http://127.0.0.1:8787` */
  readonly baseUrl: string;
  /** session tokens for `device` routes; without one those routes fail `unauthenticated` */
  readonly tokens?: TokenSource;
  /** the operator token for `admin` routes (tests and tools; an agent never has one) */
  readonly adminToken?: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly log?: Logger;
}

type CallInput<N extends RouteName> = { params?: Record<string, string>; query?: RouteQuery<N>; body?: RouteBody<N> };

/** {@link RestClient} over HTTP; logs in again once when the server answers 401. */
export class HttpRestClient implements RestClient {
  readonly #base: string;
  readonly #tokens: TokenSource | undefined;
  readonly #adminToken: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #log: Logger;

  /** A client of the server at `opts.baseUrl`. */
  constructor(opts: HttpRestClientOptions) {
    this.#base = opts.baseUrl.replace(/\/+$/, '');
    this.#tokens = opts.tokens;
    this.#adminToken = opts.adminToken;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#fetch = opts.fetch ?? fetch;
    this.#log = (opts.log ?? pino({ level: 'silent' })).child({ module: 'net/rest-client' });
  }

  async call<N extends RouteName>(route: N, input: CallInput<N>): Promise<RouteResponse<N>> {
    const spec: RouteSpec = REST_ROUTES[route];
    if (spec.stream !== undefined) throw new TypeError(`${route} is a streamed route: use uploadBlob/downloadBlob`);
    const url = this.#url(spec, input.params, input.query);
    const body = input.body === undefined ? undefined : JSON.stringify(input.body);
    const response = await this.#send(route, spec, (headers) => ({
      method: spec.method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    }), url);
    const json = await this.#readJson(route, response);
    const parsed = spec.response.safeParse(json);
    if (!parsed.success) {
      this.#log.warn({ route, status: response.status }, 'response does not match the route schema');
      throw new RestError('bad_response', `${route}: the server's answer does not match the protocol`, response.status);
    }
    // The route's own response schema produced this value.
    return parsed.data as RouteResponse<N>;
  }

  async uploadBlob(
    workspaceId: string,
    body: AsyncIterable<Uint8Array>,
    size: number,
    onProgress?: (sent: number) => void,
  ): Promise<{ blobId: string; size: number }> {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError('size must be a non-negative integer');
    if (size > MAX_BLOB_BYTES) throw new RestError('too_large', `blob of ${size} bytes exceeds ${MAX_BLOB_BYTES}`);
    const spec: RouteSpec = REST_ROUTES.uploadBlob;
    const url = this.#url(spec, { workspaceId });
    let sent = 0;
    const counted = streamBody(body, size, (n) => {
      sent = n;
      onProgress?.(n);
    });
    // A streamed body cannot be sent twice, so an upload is not retried after a 401: the
    // token source renews tokens before they expire, which makes that case rare.
    let response: Response;
    try {
      response = await this.#send('uploadBlob', spec, (headers) => {
        const init: RequestInit & { duplex: 'half' } = {
          method: spec.method,
          headers: { ...headers, 'content-type': BLOB_CONTENT_TYPE },
          body: counted.stream,
          duplex: 'half',
        };
        return init;
      }, url, false);
    } catch (error) {
      throw counted.failure() ?? error;
    }
    const parsed = blobUploadResponseSchema.safeParse(await this.#readJson('uploadBlob', response));
    if (!parsed.success || parsed.data.size !== sent) {
      throw new RestError('bad_response', 'uploadBlob: the server did not confirm the bytes sent', response.status);
    }
    return parsed.data;
  }

  async downloadBlob(workspaceId: string, blobId: string): Promise<{ size: number; chunks: AsyncIterable<Uint8Array> }> {
    const spec: RouteSpec = REST_ROUTES.downloadBlob;
    const url = this.#url(spec, { workspaceId, blobId });
    const response = await this.#send('downloadBlob', spec, (headers) => ({ method: spec.method, headers }), url);
    const announced = response.headers.get('content-length');
    const size = announced !== null && /^\d{1,16}$/.test(announced) ? Number(announced) : -1;
    if (size > MAX_BLOB_BYTES) throw new RestError('bad_response', 'downloadBlob: blob larger than the protocol allows', response.status);
    if (response.body === null) throw new RestError('bad_response', 'downloadBlob: no body', response.status);
    return { size, chunks: boundedChunks(response.body, size === -1 ? MAX_BLOB_BYTES : size, size !== -1) };
  }

  #url(spec: RouteSpec, params: Record<string, string> | undefined, query?: unknown): string {
    // The route table's types tie the params to the path; at runtime buildPath checks them.
    let path: string;
    try {
      path = buildPath(spec.path as string, (params ?? {}) as PathParams<string>);
    } catch (error) {
      throw new TypeError(error instanceof Error ? error.message : 'missing path parameter');
    }
    const search = new URLSearchParams();
    if (typeof query === 'object' && query !== null) {
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined) search.set(key, String(value));
      }
    }
    const qs = search.toString();
    return `${this.#base}${path}${qs === '' ? '' : `?${qs}`}`;
  }

  /** Send with the route's credentials; on 401 renew the session once and send again. */
  async #send(
    route: string,
    spec: RouteSpec,
    init: (headers: Record<string, string>) => RequestInit,
    url: string,
    retryOn401 = true,
  ): Promise<Response> {
    let response = await this.#fetchOnce(route, url, init(await this.#authHeaders(spec, false)));
    if (response.status === 401 && spec.auth === 'device' && retryOn401 && this.#tokens !== undefined) {
      await response.body?.cancel();
      this.#log.info({ route }, 'session refused; logging in again');
      response = await this.#fetchOnce(route, url, init(await this.#authHeaders(spec, true)));
    }
    if (!response.ok) throw await this.#errorOf(route, response);
    return response;
  }

  async #authHeaders(spec: RouteSpec, renew: boolean): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (spec.auth === 'admin') {
      if (this.#adminToken === undefined) throw new RestError('unauthenticated', 'no operator token configured');
      headers.authorization = `Bearer ${this.#adminToken}`;
    } else if (spec.auth === 'device') {
      if (this.#tokens === undefined) throw new RestError('unauthenticated', 'not logged in');
      const token = renew ? await this.#tokens.renew() : await this.#tokens.current();
      headers.authorization = `Bearer ${token}`;
    }
    return headers;
  }

  async #fetchOnce(route: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.#fetch(url, init);
    } catch (error) {
      if (error instanceof RestError) throw error;
      this.#log.info({ route, reason: error instanceof Error ? error.name : 'unknown' }, 'server unreachable');
      throw new RestError('offline', `${route}: the server could not be reached`);
    }
  }

  async #readJson(route: string, response: Response): Promise<unknown> {
    let text: string;
    try {
      text = await readCapped(response, MAX_JSON_RESPONSE_BYTES);
    } catch (error) {
      if (error instanceof RestError) throw error;
      throw new RestError('offline', `${route}: the connection broke while reading the answer`, response.status);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new RestError('bad_response', `${route}: the answer is not JSON`, response.status);
    }
  }

  async #errorOf(route: string, response: Response): Promise<RestError> {
    let json: unknown;
    try {
      json = JSON.parse(await readCapped(response, 64 * 1024));
    } catch {
      json = undefined;
    }
    const parsed = errorBodySchema.safeParse(json);
    if (parsed.success) {
      const { code, message, id } = parsed.data.error;
      this.#log.info({ route, status: response.status, code, errorId: id }, 'request refused');
      return new RestError(code, message, response.status);
    }
    if (UNAVAILABLE_STATUSES.has(response.status)) return new RestError('offline', `${route}: the server is unavailable`, response.status);
    return new RestError('bad_response', `${route}: HTTP ${response.status} without an error body`, response.status);
  }
}

/** The response body as chunks, refusing more than `limit` bytes (and fewer than announced, when `exact`). */
async function* boundedChunks(body: ReadableStream<Uint8Array>, limit: number, exact: boolean): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let received = 0;
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch {
        throw new RestError('offline', 'downloadBlob: the connection broke during the download');
      }
      if (step.done) break;
      received += step.value.byteLength;
      if (received > limit) throw new RestError('bad_response', 'downloadBlob: more bytes than announced');
      yield step.value;
    }
    if (exact && received !== limit) throw new RestError('bad_response', 'downloadBlob: fewer bytes than announced');
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}
