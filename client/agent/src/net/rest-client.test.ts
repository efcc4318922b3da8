import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { RestError } from '../contracts';
import { HttpRestClient } from './rest-client';
import type { TokenSource } from './token-source';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
const seen: { method: string; url: string; auth: string | undefined; body: Buffer }[] = [];

beforeEach(async () => {
  seen.length = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** Tokens `t1`, `t2`, … padded to the protocol's token shape; counts logins. */
function countingTokens(): TokenSource & { logins: number } {
  const source = {
    logins: 1,
    token: 'token-1'.padEnd(40, 'x'),
    async current() {
      return source.token;
    },
    async renew() {
      source.logins += 1;
      source.token = `token-${source.logins}`.padEnd(40, 'x');
      return source.token;
    },
  };
  return source;
}

const ORG_CERTIFICATE = new TestAuthority().org('org1', { name: 'Kela' }).cert;
const ORGS = { orgs: [{ orgId: 'org1', name: 'Kela', certificate: ORG_CERTIFICATE }] };

describe('HttpRestClient.call', () => {
  it('sends the bearer token, fills path params and query, parses the answer', async () => {
    handler = (_req, _body, res) => json(res, 200, { events: [] });
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    const answer = await rest.call('listMembership', { params: { workspaceId: 'ws_1' }, query: { after: 7 } });
    expect(answer).toEqual({ events: [] });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v1/workspaces/ws_1/membership?after=7', auth: `Bearer ${'token-1'.padEnd(40, 'x')}` });
  });

  it('sends JSON bodies and no token on unauthenticated routes', async () => {
    handler = (_req, _body, res) => json(res, 200, { challengeId: 'c1', nonce: Buffer.alloc(32, 1).toString('base64'), expiresAt: 5 });
    const rest = new HttpRestClient({ baseUrl });
    const answer = await rest.call('authChallenge', { body: { userId: 'u1', deviceId: 1 } });
    expect(answer.challengeId).toBe('c1');
    expect(seen[0]?.auth).toBeUndefined();
    expect(JSON.parse(seen[0]?.body.toString() ?? '')).toEqual({ userId: 'u1', deviceId: 1 });
  });

  it('maps an ErrorBody to RestError with the server code, message and status', async () => {
    handler = (_req, _body, res) => json(res, 403, { error: { code: 'forbidden', message: 'not a member', id: 'e1' } });
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    const error = await rest.call('listOrgs', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect(error).toMatchObject({ code: 'forbidden', message: 'not a member', status: 403 });
  });

  it('an answer that does not match the route schema is bad_response', async () => {
    handler = (_req, _body, res) => json(res, 200, { orgs: [{ orgId: 'has spaces', name: 'x' }] });
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    await expect(rest.call('listOrgs', {})).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('non-JSON answers are bad_response; a bare 503 is offline', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>hello</html>');
    };
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    await expect(rest.call('listOrgs', {})).rejects.toMatchObject({ code: 'bad_response' });
    handler = (_req, _body, res) => {
      res.writeHead(500);
      res.end('oops');
    };
    await expect(rest.call('listOrgs', {})).rejects.toMatchObject({ code: 'bad_response', status: 500 });
    handler = (_req, _body, res) => {
      res.writeHead(503);
      res.end();
    };
    await expect(rest.call('listOrgs', {})).rejects.toMatchObject({ code: 'offline', status: 503 });
  });

  it('an unreachable server is offline', async () => {
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(rest.call('listOrgs', {})).rejects.toMatchObject({ code: 'offline' });
    // afterEach closes again; give it a listening server to close.
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  it('a request that takes too long is offline', async () => {
    handler = () => undefined; // never answers
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens(), timeoutMs: 100 });
    await expect(rest.call('listOrgs', {})).rejects.toMatchObject({ code: 'offline' });
    server.closeAllConnections();
  });

  it('on 401 logs in again once and retries with the new token', async () => {
    const tokens = countingTokens();
    handler = (req, _body, res) => {
      if (req.headers.authorization === `Bearer ${'token-2'.padEnd(40, 'x')}`) json(res, 200, ORGS);
      else json(res, 401, { error: { code: 'unauthenticated', message: 'expired', id: 'e2' } });
    };
    const rest = new HttpRestClient({ baseUrl, tokens });
    expect(await rest.call('listOrgs', {})).toEqual(ORGS);
    expect(tokens.logins).toBe(2);
    expect(seen).toHaveLength(2);
  });

  it('a second 401 after the new login is final', async () => {
    const tokens = countingTokens();
    handler = (_req, _body, res) => json(res, 401, { error: { code: 'unauthenticated', message: 'no', id: 'e3' } });
    const rest = new HttpRestClient({ baseUrl, tokens });
    await expect(rest.call('listOrgs', {})).rejects.toMatchObject({ code: 'unauthenticated', status: 401 });
    expect(tokens.logins).toBe(2);
    expect(seen).toHaveLength(2);
  });

  it('device routes without a token source fail unauthenticated without a request', async () => {
    const rest = new HttpRestClient({ baseUrl });
    await expect(rest.call('listOrgs', {})).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(seen).toHaveLength(0);
  });
});

async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

describe('HttpRestClient blobs', () => {
  it('streams an upload with progress and checks the confirmed size', async () => {
    handler = (req, body, res) => {
      expect(req.headers['content-type']).toBe('application/octet-stream');
      json(res, 201, { blobId: 'b1', size: body.byteLength });
    };
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    const progress: number[] = [];
    const result = await rest.uploadBlob('ws1', chunksOf('abc', 'defg'), 7, (n) => progress.push(n));
    expect(result).toEqual({ blobId: 'b1', size: 7 });
    expect(seen[0]?.url).toBe('/v1/workspaces/ws1/blobs');
    expect(seen[0]?.body.toString()).toBe('abcdefg');
    expect(progress).toEqual([3, 7]);
  });

  it('refuses a source whose length differs from the declared size', async () => {
    handler = (_req, body, res) => json(res, 201, { blobId: 'b1', size: body.byteLength });
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    await expect(rest.uploadBlob('ws1', chunksOf('abc', 'defg'), 5)).rejects.toBeInstanceOf(RangeError);
    await expect(rest.uploadBlob('ws1', chunksOf('abc'), 5)).rejects.toBeInstanceOf(RangeError);
  });

  it('a server confirming another size is bad_response; a too-large upload is refused locally', async () => {
    handler = (_req, _body, res) => json(res, 201, { blobId: 'b1', size: 1 });
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    await expect(rest.uploadBlob('ws1', chunksOf('abc'), 3)).rejects.toMatchObject({ code: 'bad_response' });
    await expect(rest.uploadBlob('ws1', chunksOf(), 65 * 1024 * 1024)).rejects.toMatchObject({ code: 'too_large' });
  });

  it('streams a download and checks its announced length', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '6' });
      res.write('abc');
      setTimeout(() => res.end('def'), 10);
    };
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    const { size, chunks } = await rest.downloadBlob('ws1', 'b1');
    expect(size).toBe(6);
    const parts: Buffer[] = [];
    for await (const chunk of chunks) parts.push(Buffer.from(chunk));
    expect(Buffer.concat(parts).toString()).toBe('abcdef');
    expect(seen[0]?.url).toBe('/v1/workspaces/ws1/blobs/b1');
  });

  it('a download cut short is an error, not a short blob', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '6' });
      res.write('abc');
      setTimeout(() => res.destroy(), 10);
    };
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    const { chunks } = await rest.downloadBlob('ws1', 'b1');
    const read = async (): Promise<void> => {
      for await (const _chunk of chunks) {
        // drain
      }
    };
    await expect(read()).rejects.toBeInstanceOf(RestError);
  });

  it('a refused download carries the server code', async () => {
    handler = (_req, _body, res) => json(res, 404, { error: { code: 'not_found', message: 'no such blob', id: 'e4' } });
    const rest = new HttpRestClient({ baseUrl, tokens: countingTokens() });
    await expect(rest.downloadBlob('ws1', 'b1')).rejects.toMatchObject({ code: 'not_found', status: 404 });
  });
});
