/**
 * Deployment defaults of the REST API (issue 15): the admin API on a listener of its own
 * (ADMIN_PORT) that the public listener does not serve, and the per-address limit counting
 * the client a trusted proxy names in X-Forwarded-For — and only a trusted proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN, call, expectError, startApiServer } from './api.testkit';
import type { ApiServer } from './api.testkit';

async function getStatus(url: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  return (await fetch(`${url}${path}`, { headers })).status;
}

describe('the admin API on its own listener', () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer({ ADMIN_PORT: '0' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers admin routes only on the admin listener; the public one answers 404 as for any unknown path', async () => {
    const adminUrl = server.running.adminUrl;
    if (adminUrl === undefined) throw new Error('no admin listener');
    expect(adminUrl).not.toBe(server.url);
    expect((await call({ url: adminUrl }, 'GET', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    expect((await call({ url: adminUrl }, 'GET', '/v1/admin/audit/verify', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    expectError(await call({ url: adminUrl }, 'GET', '/v1/admin/orgs'), 401, 'unauthenticated');
    expectError(await call(server, 'GET', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN }), 404, 'not_found');
    expectError(await call(server, 'GET', '/v1/admin/audit/verify', { token: TEST_ADMIN_TOKEN }), 404, 'not_found');
    expectError(await call(server, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { certificate: 'x' } }), 404, 'not_found');
  });

  it('serves the public reads the admin tool needs on the admin listener, and no device route', async () => {
    const adminUrl = server.running.adminUrl ?? '';
    expect(await getStatus(adminUrl, '/health')).toBe(200);
    expect(await getStatus(adminUrl, '/v1/log')).toBe(200);
    expect(await getStatus(adminUrl, '/v1/prekeys/count')).toBe(404);
    expect(await getStatus(server.url, '/v1/prekeys/count')).toBe(401);
  });

  it('keeps every route on one listener when no ADMIN_PORT is set (development)', async () => {
    const single = await startApiServer();
    try {
      expect(single.running.adminUrl).toBeUndefined();
      expect((await call(single, 'GET', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    } finally {
      await single.close();
    }
  });
});

describe('the per-address limit behind a proxy', () => {
  it('counts each client the trusted proxy names, not the proxy', async () => {
    const server = await startApiServer({ RATE_PER_IP_PER_MINUTE: '3', TRUSTED_PROXY: '127.0.0.1' });
    try {
      for (let i = 0; i < 3; i++) expect(await getStatus(server.url, '/health', { 'x-forwarded-for': '198.51.100.1' })).toBe(200);
      expect(await getStatus(server.url, '/health', { 'x-forwarded-for': '198.51.100.1' })).toBe(429);
      // Another client behind the same proxy has a budget of its own …
      expect(await getStatus(server.url, '/health', { 'x-forwarded-for': '198.51.100.2' })).toBe(200);
      // … and the limited one cannot escape it by writing a header entry of its own first.
      expect(await getStatus(server.url, '/health', { 'x-forwarded-for': '10.0.0.99, 198.51.100.1' })).toBe(429);
    } finally {
      await server.close();
    }
  });

  it('ignores X-Forwarded-For from an address that is not the configured proxy', async () => {
    const server = await startApiServer({ RATE_PER_IP_PER_MINUTE: '3', TRUSTED_PROXY: '192.0.2.1' });
    try {
      for (let i = 0; i < 3; i++) expect(await getStatus(server.url, '/health', { 'x-forwarded-for': `198.51.100.${i}` })).toBe(200);
      expect(await getStatus(server.url, '/health', { 'x-forwarded-for': '198.51.100.200' })).toBe(429);
    } finally {
      await server.close();
    }
  });
});
