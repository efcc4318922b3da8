import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeWorld, fakeSessionFactory } from './session-fakes.testkit';
import { callJson, rawRequest, startTestAgent } from './test-agent.testkit';
import type { TestAgent } from './test-agent.testkit';
import { startApiServer } from './server';
import { AGENT_WS_PROTOCOL, webSocketProtocols } from '@yhteispoyta/local-api/auth';
import { UI_NOT_BUILT_PAGE } from './static-ui';

let agent: TestAgent;
beforeEach(async () => {
  agent = await startTestAgent(fakeSessionFactory(new FakeWorld()));
});
afterEach(async () => {
  await agent.close();
});

/** Open a WebSocket and resolve with the HTTP status it was refused with, or 101 (and the chosen protocol) when it opened. */
function wsStatus(url: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<{ status: number; first?: unknown; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    socket.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.on('message', (data: Buffer) => {
      resolve({ status: 101, first: JSON.parse(data.toString('utf8')), protocol: socket.protocol });
      socket.close();
    });
    socket.on('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

describe('API security', () => {
  it('listens on 127.0.0.1 only and refuses any other bind address', async () => {
    expect(agent.api.url).toBe(`http://127.0.0.1:${agent.api.port}`);
    await expect(startApiServer({ host: agent.host, port: 0, bindAddress: '0.0.0.0' })).rejects.toThrow(/only listens on 127\.0\.0\.1/);
    await expect(startApiServer({ host: agent.host, port: 0, bindAddress: '::' })).rejects.toThrow(/only listens on 127\.0\.0\.1/);
  });

  it('answers 401 without a token and with a wrong one, 200 with the bearer token', async () => {
    const none = await rawRequest(agent.api, '/api/status', { auth: false });
    expect(none.status).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const wrong = await rawRequest(agent.api, '/api/status', { headers: { authorization: `Bearer ${'A'.repeat(43)}` } });
    expect(wrong.status).toBe(401);
    const query = await rawRequest(agent.api, `/api/status?token=${agent.api.token}`, { auth: false });
    expect(query.status).toBe(401);
    const ok = await rawRequest(agent.api, '/api/status');
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ status: { state: 'locked' } });
    expect(ok.headers['cache-control']).toBe('no-store');
  });

  it('refuses a foreign Host with 403 even with the right token (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${agent.api.port}`, '127.0.0.1', `127.0.0.1:${agent.api.port + 1}`, `0.0.0.0:${agent.api.port}`]) {
      const res = await rawRequest(agent.api, '/api/status', { headers: { host } });
      expect(res.status, host).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'forbidden_host' } });
    }
    expect((await rawRequest(agent.api, '/api/status', { headers: { host: `localhost:${agent.api.port}` } })).status).toBe(200);
  });

  it('refuses a foreign Origin with 403 and accepts the same origin', async () => {
    for (const origin of ['http://evil.example', `https://127.0.0.1:${agent.api.port}`, `http://localhost:${agent.api.port}`, 'null']) {
      const res = await rawRequest(agent.api, '/api/status', { headers: { origin } });
      expect(res.status, origin).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'forbidden_origin' } });
    }
    expect((await rawRequest(agent.api, '/api/status', { headers: { origin: agent.api.url } })).status).toBe(200);
  });

  it('sets no cookie and accepts none: a page loads without a token, the API only with the bearer header', async () => {
    // The old token cookie, which a page on any other 127.0.0.1 port received, is no key anymore.
    const cookie = `yhteispoyta_${agent.api.port}=${agent.api.token}`;
    expect((await rawRequest(agent.api, '/api/status', { auth: false, headers: { cookie } })).status).toBe(401);
    const lock = await rawRequest(agent.api, '/api/profiles/lock', { method: 'POST', body: '{}', auth: false, headers: { cookie, origin: agent.api.url } });
    expect(lock.status).toBe(401);
    // Nor a token in the query: it would sit in history and logs.
    expect((await rawRequest(agent.api, `/api/status?token=${agent.api.token}`, { auth: false })).status).toBe(401);

    const page = await rawRequest(agent.api, `/plan?x=1&token=${agent.api.token}`, { auth: false });
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.body.toString('utf8')).toBe(UI_NOT_BUILT_PAGE);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const bare = await rawRequest(agent.api, '/', { auth: false });
    expect(bare.status).toBe(200);
    expect(bare.headers['set-cookie']).toBeUndefined();
    // Pages keep the Host and Origin defences.
    expect((await rawRequest(agent.api, '/', { auth: false, headers: { host: `evil.example:${agent.api.port}` } })).status).toBe(403);
    expect((await rawRequest(agent.api, '/', { auth: false, headers: { origin: 'http://127.0.0.1:1' } })).status).toBe(403);
    // Pages are only read.
    expect((await rawRequest(agent.api, '/plan', { method: 'POST', body: '{}', headers: { origin: agent.api.url } })).status).toBe(405);
  });

  it('guards WebSockets: the token offered as a protocol, Host and Origin; the answer names our protocol, never the token', async () => {
    const base = `ws://127.0.0.1:${agent.api.port}/events`;
    expect((await wsStatus(base)).status).toBe(401);
    expect((await wsStatus(base, {}, webSocketProtocols('wrong'))).status).toBe(401);
    expect((await wsStatus(`${base}?token=${agent.api.token}`)).status).toBe(401);
    expect((await wsStatus(base, { cookie: `yhteispoyta_${agent.api.port}=${agent.api.token}`, origin: agent.api.url })).status).toBe(401);
    expect((await wsStatus(base, { origin: 'http://evil.example' }, webSocketProtocols(agent.api.token))).status).toBe(403);
    expect((await wsStatus(base, { host: `evil.example:${agent.api.port}` }, webSocketProtocols(agent.api.token))).status).toBe(403);
    const ok = await wsStatus(base, { origin: agent.api.url }, webSocketProtocols(agent.api.token));
    expect(ok).toMatchObject({ status: 101, protocol: AGENT_WS_PROTOCOL, first: { type: 'status', status: { state: 'locked' } } });
    // A Node client may send the bearer header instead.
    expect(await wsStatus(base, { authorization: `Bearer ${agent.api.token}` })).toMatchObject({ status: 101, protocol: '' });
    const yjs = await wsStatus(`ws://127.0.0.1:${agent.api.port}/yjs/ws1/plan`, {}, webSocketProtocols(agent.api.token));
    expect(yjs.status).toBe(409);
  });
});

describe('API errors', () => {
  it('answers typed error bodies for unknown routes, wrong methods, bad JSON and large bodies', async () => {
    expect(await callJson(agent.api, 'GET', '/api/nope')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await callJson(agent.api, 'DELETE', '/api/profiles')).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
    const badJson = await rawRequest(agent.api, '/api/profiles', { method: 'POST', body: '{"name":' });
    expect(badJson.status).toBe(400);
    expect(badJson.json()).toMatchObject({ error: { code: 'bad_request' } });
    const wrongType = await rawRequest(agent.api, '/api/profiles', { method: 'POST', body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(wrongType.status).toBe(415);
    const big = await rawRequest(agent.api, '/api/profiles', { method: 'POST', body: JSON.stringify({ name: 'a', passphrase: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
    expect(big.json()).toMatchObject({ error: { code: 'too_large' } });
    const extra = await callJson(agent.api, 'POST', '/api/profiles', { name: 'a', passphrase: 'p', admin: true });
    expect(extra).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(await callJson(agent.api, 'GET', '/api/workspaces')).toMatchObject({ status: 409, body: { error: { code: 'not_ready' } } });
  });
});

describe('built UI', () => {
  it('serves files from the UI directory, falls back to index.html for routes, and never leaves the directory', async () => {
    const uiDir = join(agent.dir, 'ui');
    mkdirSync(join(uiDir, 'assets'), { recursive: true });
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>UI</title>');
    writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(agent.dir, 'secret.txt'), 'secret');
    const withUi = await startTestAgent(fakeSessionFactory(new FakeWorld()), { uiDir });
    try {
      const get = (path: string) => rawRequest(withUi.api, path);
      expect((await get('/')).body.toString()).toContain('<title>UI</title>');
      const js = await get('/assets/app.js');
      expect(js.headers['content-type']).toContain('text/javascript');
      expect(js.body.toString()).toBe('console.log(1)');
      expect((await get('/workspaces/abc')).body.toString()).toContain('<title>UI</title>');
      expect((await get('/assets/missing.js')).status).toBe(404);
      expect((await get('/..%2Fsecret.txt')).status).toBe(404);
      expect((await get('/%2e%2e/secret.txt')).status).toBe(404);
    } finally {
      await withUi.close();
    }
  });
});
