/**
 * Test support: one request to a server's REST API and the assertions on its answer,
 * shared by every REST testkit and test. The server is a running one (its `url`, over
 * fetch) or the in-process server of testkit/ (its `dispatch`, without HTTP).
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { errorBodySchema } from '@yhteispoyta/crypto/protocol';
import type { ErrorCode } from '@yhteispoyta/crypto/protocol';
import { expect } from 'vitest';

/** An answer of the API: status and parsed JSON (or raw bytes for octet-stream). */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly bytes?: Uint8Array;
  readonly headers: Headers;
}

/** A request: JSON (`json`), raw bytes (`raw`), or nothing; `token` goes into `Authorization: Bearer`. */
export interface ApiRequest {
  readonly token?: string;
  readonly json?: unknown;
  readonly text?: string;
  readonly raw?: Bytes;
  readonly contentType?: string;
}

/** A server reached without HTTP: it answers a method, path and request as the REST API would. */
export interface ApiDispatcher {
  dispatch(method: string, path: string, request: ApiRequest): Promise<ApiAnswer>;
}

/** A server to call: a running one at `url`, or an in-process one. */
export type ApiTarget = { readonly url: string } | ApiDispatcher;

/** Send one request to the server (`url` over fetch, or its `dispatch`). */
export async function call(server: ApiTarget, method: string, path: string, request: ApiRequest = {}): Promise<ApiAnswer> {
  if ('dispatch' in server) return server.dispatch(method, path, request);
  const headers: Record<string, string> = {};
  if (request.token !== undefined) headers['authorization'] = `Bearer ${request.token}`;
  let body: string | Bytes | undefined;
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.text !== undefined) {
    headers['content-type'] = request.contentType ?? 'application/json';
    body = request.text;
  } else if (request.raw !== undefined) {
    headers['content-type'] = request.contentType ?? 'application/octet-stream';
    body = request.raw;
  }
  const response = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('application/json')) {
    return { status: response.status, body: await response.json(), headers: response.headers };
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, body: undefined, bytes, headers: response.headers };
}

/** Assert an error answer: the status of `code`, a typed ErrorBody with that code, and the request id header. */
export function expectError(answer: ApiAnswer, status: number, code: ErrorCode): void {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { error: { code } } });
  const parsed = errorBodySchema.safeParse(answer.body);
  expect(parsed.success).toBe(true);
  if (parsed.success) expect(answer.headers.get('x-request-id')).toBe(parsed.data.error.id);
}

/** Assert a 200 answer whose body parses with `schema`; returns the parsed body. */
export function expectOk<T>(answer: ApiAnswer, schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }): T {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 200 });
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new Error(`answer does not parse: ${JSON.stringify(answer.body)}`);
  return parsed.data;
}
