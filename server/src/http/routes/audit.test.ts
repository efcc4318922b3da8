import Database from '@signalapp/sqlcipher';
import { auditVerificationResponseSchema } from '@yhteispoyta/crypto/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_TOKEN, call, enrolCertifiedDevice, expectError, expectOk, startApiServer } from '../api.testkit';
import type { ApiServer } from '../api.testkit';

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
  // Enrolment, certification and login leave entries in the audit chain.
  await enrolCertifiedDevice(server);
});

afterAll(async () => {
  await server.close();
});

const verify = async () => expectOk(await call(server, 'GET', '/v1/admin/audit/verify', { token: TEST_ADMIN_TOKEN }), auditVerificationResponseSchema);

describe('the audit chain verification (admin)', () => {
  it('answers intact with the number of entries, and names the first entry changed under the server', async () => {
    const intact = await verify();
    expect(intact.intact).toBe(true);
    expect(intact.intact && intact.entries).toBeGreaterThan(3);

    const { store } = server.running.ctx.config;
    if (store.kind !== 'sqlite') throw new Error('the api testkit runs sqlite');
    const raw = new Database(store.path);
    try {
      raw.exec('PRAGMA busy_timeout = 5000');
      raw.prepare('UPDATE audit SET action = ? WHERE seq = ?').run(['tampered', 2]);
    } finally {
      raw.close();
    }
    expect(await verify()).toEqual({ intact: false, brokenAtSeq: 2 });
  });

  it('is an admin route: a device token is refused', async () => {
    const device = await enrolCertifiedDevice(server);
    expectError(await call(server, 'GET', '/v1/admin/audit/verify', { token: device.token }), 401, 'unauthenticated');
  });
});
