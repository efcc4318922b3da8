/**
 * Regression (found by test/fuzz): a request whose head exceeds Node's 16 KiB limit was
 * answered `431` with no body, and a malformed request line a bare `400` — the only
 * non-2xx answers of the API that were not an ErrorBody.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '@yhteispoyta/crypto/protocol';
import { startApiServer } from './api.testkit';
import type { ApiServer } from './api.testkit';
import { clientErrorRefusal } from './client-errors';

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  await server.close();
});

/** Send raw bytes on a fresh connection and read the whole answer until the server closes. */
function rawExchange(request: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
  });
}

function parseAnswer(raw: string): { status: number; headers: Record<string, string>; body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as unknown };
}

describe('requests refused by the HTTP parser', () => {
  it('answer a request head over the limit with 413 too_large as an ErrorBody', async () => {
    const answer = parseAnswer(await rawExchange(`GET /health?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
    expect(answer.status).toBe(413);
    const body = errorBodySchema.parse(answer.body);
    expect(body.error.code).toBe('too_large');
    expect(answer.headers['x-request-id']).toBe(body.error.id);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answer a malformed request with 400 bad_request as an ErrorBody', async () => {
    for (const garbage of ['BLAH\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET /\u0001 HTTP/1.1\r\nHost: x\r\n\r\n', 'POST /v1/enrol HTTP/1.1\r\nContent-Length: -5\r\n\r\n']) {
      const answer = parseAnswer(await rawExchange(garbage));
      expect({ garbage, status: answer.status }).toEqual({ garbage, status: 400 });
      expect(errorBodySchema.parse(answer.body).error.code).toBe('bad_request');
    }
  });

  it('leave the server serving normal requests', async () => {
    await rawExchange('BLAH\r\n\r\n');
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
  });

  it('map parser error codes to the protocol codes', () => {
    expect(clientErrorRefusal('HPE_HEADER_OVERFLOW').code).toBe('too_large');
    expect(clientErrorRefusal('HPE_INVALID_METHOD').code).toBe('bad_request');
    expect(clientErrorRefusal(undefined).code).toBe('bad_request');
  });
});
