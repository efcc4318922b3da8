/**
 * Small HTTP helpers of the local API: typed errors with a stable JSON body, bounded
 * body readers that parse from `unknown` with zod, and the response headers every
 * answer carries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { ApiErrorBody, ApiErrorCode } from '@yhteispoyta/local-api';

/** Default limit of a JSON request body. */
const MAX_JSON_BODY_BYTES = 64 * 1024;

/** An error the API reports as `{ error: { code, message } }` with `status`; the codes are the contract's. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Headers of every response: nothing is cached, nothing is sniffed, nothing is referred. */
export function baseHeaders(): Record<string, string> {
  return {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
  };
}

/** Send a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...baseHeaders(), 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Send the typed error body. */
export function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The client may still be sending a body we will not read: do not reuse the connection.
  if (error.status === 413) res.shouldKeepAlive = false;
  const body: ApiErrorBody = { error: { code: error.code, message: error.message } };
  sendJson(res, error.status, body);
}

/**
 * Read the whole request body, refusing more than `limit` bytes (by Content-Length up
 * front, and by counting as it streams for chunked bodies).
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.byteLength;
    if (size > limit) throw tooLarge(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'too_large', `The request body is larger than ${limit} bytes.`);
}

/**
 * Read a JSON body and parse it with `schema`. An absent body parses as `{}` so routes
 * without parameters accept an empty POST.
 */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S, limit = MAX_JSON_BODY_BYTES): Promise<z.output<S>> {
  const raw = await readBody(req, limit);
  let value: unknown = {};
  if (raw.byteLength > 0) {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json(\s*;|$)/i.test(type)) {
      throw new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.');
    }
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError(400, 'bad_request', 'The body is not valid JSON.');
    }
  }
  return parseWith(schema, value, 'body');
}

/**
 * Parse `value` with `schema`; a failure is a 400 naming the first bad field, under
 * `what` (`body.text`, `query.name`), or by itself for path parameters (`what` '').
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = [what, ...(issue?.path ?? [])].filter((part) => part !== '').join('.') || 'request';
    throw new ApiError(400, 'bad_request', `Invalid ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
