/**
 * The HTTP app's edges against the real server: malformed input, unknown routes, rate
 * limits, readiness, security headers, and failures that must not leak: a bug answers
 * `500 internal` with a fixed message and an id that finds the logged details.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '@yhteispoyta/crypto/protocol';
import type { Store } from '../store/port';
import {
  TEST_ADMIN_TOKEN,
  call,
  createOrg,
  enrolProfessional,
  expectError,
  expectLogsFreeOfSecrets,
  startApiServer,
} from './api.testkit';
import type { ApiServer } from './api.testkit';

const INTERNAL_DETAIL = 'internal-detail-that-must-not-leak';

/** A store whose `listOrgs` fails and whose health can be switched off. */
function faultyStore(store: Store, healthy: { value: boolean }): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'directory') {
        const failingListOrgs = async () => Promise.reject(new Error(INTERNAL_DETAIL));
        return { ...target.directory, listOrgs: failingListOrgs };
      }
      if (property === 'health') {
        return async () => (healthy.value ? target.health() : { ok: false, code: 'unavailable', kind: target.kind, error: INTERNAL_DETAIL });
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

let server: ApiServer;
const healthy = { value: true };

beforeAll(async () => {
  server = await startApiServer({}, (store) => faultyStore(store, healthy));
});

afterAll(async () => {
  expectLogsFreeOfSecrets(server);
  await server.close();
});

describe('malformed requests', () => {
  it('answers malformed JSON with 400, a wrong content type with 400, and never echoes the input', async () => {
    const garbage = await call(server, 'POST', '/v1/auth/challenge', { text: '{"userId": "echo-me-not", ' });
    expectError(garbage, 400, 'bad_request');
    expect(JSON.stringify(garbage.body)).not.toContain('echo-me-not');
    expectError(await call(server, 'POST', '/v1/auth/challenge', { text: '{"userId":"a","deviceId":1}', contentType: 'text/plain' }), 400, 'bad_request');
    const extra = await call(server, 'POST', '/v1/auth/challenge', { json: { userId: 'value-echo-check', deviceId: 1.5, 'key-echo-check': 1, [`__proto__`]: 2 } });
    expectError(extra, 400, 'bad_request');
    const message = errorBodySchema.parse(extra.body).error.message;
    expect(message).toContain('body.deviceId');
    expect(message).not.toContain('value-echo-check');
    expect(message).not.toContain('key-echo-check');
  });

  it('answers unknown paths and methods with 404 not_found', async () => {
    expectError(await call(server, 'GET', '/v1/nothing-here'), 404, 'not_found');
    expectError(await call(server, 'DELETE', '/v1/orgs'), 404, 'not_found');
    expectError(await call(server, 'GET', '/v1/auth/login'), 404, 'not_found');
  });

  it('answers a path with broken percent-encoding with 400, not 500', async () => {
    const orgId = await createOrg(server);
    const device = await enrolProfessional(server, orgId);
    expectError(await call(server, 'GET', '/v1/users/%E0%A4%A/devices', { token: device.token }), 400, 'bad_request');
  });
});

describe('failures', () => {
  it('answers a failing store with 500 internal, a fixed message, and an id that finds the logged details', async () => {
    const orgId = await createOrg(server);
    const device = await enrolProfessional(server, orgId);
    const answer = await call(server, 'GET', '/v1/orgs', { token: device.token });
    expectError(answer, 500, 'internal');
    const body = errorBodySchema.parse(answer.body);
    expect(body.error.message).toBe('internal error');
    expect(JSON.stringify(answer.body)).not.toContain(INTERNAL_DETAIL);
    expect(JSON.stringify(answer.body)).not.toMatch(/at .*\.ts:\d+/);
    const logged = server.logLines.filter((line) => line.includes(body.error.id));
    expect(logged.some((line) => line.includes(INTERNAL_DETAIL))).toBe(true);
    expect((await call(server, 'GET', '/health')).status).toBe(200);
  });

  it('answers /ready with 503 while the store is unavailable, without its error text', async () => {
    healthy.value = false;
    try {
      const answer = await call(server, 'GET', '/ready');
      expect({ status: answer.status, body: answer.body }).toEqual({ status: 503, body: { ready: false } });
      expect((await call(server, 'GET', '/health')).status).toBe(200);
    } finally {
      healthy.value = true;
    }
    expect((await call(server, 'GET', '/ready')).body).toEqual({ ready: true });
  });

  it('sends security headers and no framework banner', async () => {
    const answer = await call(server, 'GET', '/health');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('x-powered-by')).toBeNull();
  });
});

describe('rate limits', () => {
  it('refuses an address over its per-minute budget with 429 rate_limited', async () => {
    const limited = await startApiServer({ RATE_PER_IP_PER_MINUTE: '5' });
    try {
      for (let i = 0; i < 5; i++) expect((await call(limited, 'GET', '/health')).status).toBe(200);
      expectError(await call(limited, 'GET', '/health'), 429, 'rate_limited');
      expectError(await call(limited, 'POST', '/v1/admin/orgs', { token: TEST_ADMIN_TOKEN, json: { name: 'X' } }), 429, 'rate_limited');
      expect(await limited.running.ctx.store.directory.listOrgs()).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  it('refuses a device over its per-minute budget with 429, other devices unaffected', async () => {
    const limited = await startApiServer({ RATE_PER_DEVICE_PER_MINUTE: '3' });
    try {
      const orgId = await createOrg(limited);
      const busy = await enrolProfessional(limited, orgId);
      const calm = await enrolProfessional(limited, orgId);
      for (let i = 0; i < 3; i++) expect((await call(limited, 'GET', '/v1/prekeys/count', { token: busy.token })).status).toBe(200);
      expectError(await call(limited, 'GET', '/v1/prekeys/count', { token: busy.token }), 429, 'rate_limited');
      expect((await call(limited, 'GET', '/v1/prekeys/count', { token: calm.token })).status).toBe(200);
      // Shedding load writes no audit entries.
      const denied = (await limited.running.ctx.store.audit.queryAudit({ limit: 1000 })).filter((e) => e.action === 'denied');
      expect(denied).toEqual([]);
    } finally {
      await limited.close();
    }
  });
});
