/**
 * The HTTP half of the hostile relay: a reverse proxy in front of the real server's REST
 * API. JSON bodies (requests and answers) are parsed so that hooks can rewrite them;
 * streamed blob bodies and anything that is not JSON pass through byte for byte.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { MAX_JSON_BODY_BYTES } from '@yhteispoyta/crypto/protocol';
import { matchRestRoute } from './rest-routes';
import type { MatchedRoute } from './rest-routes';

/** One proxied request as hooks see it. */
export interface RestExchange {
  /** the relay door (agent) the request came through */
  readonly door: string;
  readonly method: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** the protocol route, if the path is one */
  readonly route: MatchedRoute | undefined;
}

/** Rewrites of JSON bodies; each may return the body unchanged. */
export interface RestHooks {
  /** the parsed JSON request body, before it goes to the server */
  request?(exchange: RestExchange, body: unknown): unknown;
  /** the parsed JSON answer (any status), before it goes back to the agent; `request` is the JSON body sent, if any */
  response?(exchange: RestExchange, status: number, body: unknown, request: unknown): unknown;
}

/** Options of {@link createRestForwarder}. */
export interface RestForwarderOptions {
  /** base URL of the real server */
  readonly upstream: string;
  readonly door: string;
  readonly hooks: RestHooks;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy recomputes. */
const DROPPED_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'proxy-connection', 'te', 'trailer']);

function forwardedHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !DROPPED_HEADERS.has(name)) out[name] = value;
  }
  return out;
}

function isJson(headers: IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
}

async function readAll(stream: IncomingMessage, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    length += chunk.byteLength;
    if (length > cap) throw new RangeError(`body over ${cap} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The JSON in `bytes` rewritten by `rewrite`, or the bytes unchanged when they are not JSON. */
function rewriteJson(bytes: Buffer, rewrite: ((body: unknown) => unknown) | undefined): Buffer {
  if (rewrite === undefined || bytes.byteLength === 0) return bytes;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return bytes;
  }
  return Buffer.from(JSON.stringify(rewrite(parsed)), 'utf8');
}

function parseOrUndefined(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function fail(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain' }).end(message);
}

/**
 * The request handler of one relay door. Requests are sent to the real server with the
 * agent's own headers (its bearer token included); a server that cannot be reached is
 * answered 502, which agents treat as offline.
 */
export function createRestForwarder(opts: RestForwarderOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const upstream = new URL(opts.upstream);
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://relay.invalid');
    const method = req.method ?? 'GET';
    const route = matchRestRoute(method, url.pathname);
    const exchange: RestExchange = { door: opts.door, method, pathname: url.pathname, query: url.searchParams, route };
    const streamed = route?.stream !== undefined;
    void (async () => {
      const headers = forwardedHeaders(req.headers);
      let body: Buffer | undefined;
      let sentJson: unknown;
      if (!streamed && isJson(req.headers)) {
        const hook = opts.hooks.request;
        body = rewriteJson(await readAll(req, MAX_JSON_BODY_BYTES + 1024 * 1024), hook && ((b) => hook(exchange, b)));
        headers['content-length'] = String(body.byteLength);
        sentJson = parseOrUndefined(body);
      } else if (req.headers['content-length'] !== undefined) {
        headers['content-length'] = req.headers['content-length'];
      } else if (req.headers['transfer-encoding'] !== undefined) {
        headers['transfer-encoding'] = req.headers['transfer-encoding'];
      }
      const outgoing = httpRequest({
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method,
        path: `${url.pathname}${url.search}`,
        headers,
      });
      outgoing.on('error', () => fail(res, 502, 'upstream unreachable'));
      outgoing.on('response', (answer) => {
        const status = answer.statusCode ?? 502;
        const answerHeaders = forwardedHeaders(answer.headers);
        if (route?.stream === 'download' || !isJson(answer.headers)) {
          if (answer.headers['content-length'] !== undefined) answerHeaders['content-length'] = answer.headers['content-length'];
          res.writeHead(status, answerHeaders);
          answer.pipe(res);
          return;
        }
        readAll(answer, 64 * 1024 * 1024).then(
          (bytes) => {
            const hook = opts.hooks.response;
            const rewritten = rewriteJson(bytes, hook && ((b) => hook(exchange, status, b, sentJson)));
            answerHeaders['content-length'] = String(rewritten.byteLength);
            res.writeHead(status, answerHeaders).end(rewritten);
          },
          () => fail(res, 502, 'upstream answer unreadable'),
        );
      });
      if (body !== undefined) outgoing.end(body);
      else req.pipe(outgoing);
    })().catch(() => fail(res, 413, 'request body refused by the relay'));
  };
}
