import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logKeyFingerprint, logPublicKey, logPublicKeyBase64 } from '@yhteispoyta/crypto/transparency/log-key';
import { AdminClient } from './admin-client';
import { ensureDemoOrganisation } from './demo';
import { enrollingDevice } from './device.testkit';
import { FAKE_TOKEN, FAKE_URL, FakeAdminServer } from './fake-server.testkit';
import { MIN_KDF_N } from './key-file';
import { watchEnrolments } from './watch';

const kdf = { N: MIN_KDF_N, r: 8, p: 1 };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admin-demo-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the demo organisation of npm start', () => {
  it('is made once in its folder, reopened later, and registered again with a reset server', async () => {
    const server = new FakeAdminServer();
    const admin = new AdminClient({ baseUrl: FAKE_URL, token: FAKE_TOKEN, fetch: server.fetch });
    const folder = join(dir, 'admin');
    const first = await ensureDemoOrganisation({ dir: folder, admin, name: 'Demo-hyvinvointialue', kdf });
    expect(first.created).toBe(true);
    expect((await readdir(folder)).sort()).toEqual(['org.key', 'passphrase', 'root.key']);
    for (const file of ['org.key', 'passphrase', 'root.key']) expect((await stat(join(folder, file))).mode & 0o777).toBe(0o600);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    expect(server.orgs.has(first.authority.orgId)).toBe(true);
    // The demo root certified the server's transparency log key.
    const certified = server.logCertificate;
    expect(certified?.body.logKey).toBe(logPublicKeyBase64(server.logKey));
    expect(first.logFingerprint).toBe(logKeyFingerprint(logPublicKey(server.logKey)));

    const again = await ensureDemoOrganisation({ dir: folder, admin, name: 'ignored', kdf });
    expect(again.created).toBe(false);
    expect(again.authority.orgId).toBe(first.authority.orgId);
    expect(server.logCertificate).toBe(certified);

    const reset = new FakeAdminServer();
    const fresh = await ensureDemoOrganisation({ dir: folder, admin: new AdminClient({ baseUrl: FAKE_URL, token: FAKE_TOKEN, fetch: reset.fetch }), name: 'x', kdf });
    expect(reset.orgs.has(fresh.authority.orgId)).toBe(true);
    expect(reset.root).toBe(server.root);
  });

  it('certifies its first professional automatically while watching', async () => {
    const server = new FakeAdminServer();
    const admin = new AdminClient({ baseUrl: FAKE_URL, token: FAKE_TOKEN, fetch: server.fetch });
    const { authority } = await ensureDemoOrganisation({ dir, admin, name: 'Demo', kdf });
    const issued = await authority.issueCode({ role: 'social_worker', displayName: 'Ensimmäinen ammattilainen' });
    const stop = new AbortController();
    const reports: number[] = [];
    const watching = watchEnrolments(authority, { intervalMs: 50, signal: stop.signal, onReport: (r) => reports.push(r.certified.length) });
    server.enrol(enrollingDevice(issued.code));
    for (let i = 0; i < 100 && server.stored('device').length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    stop.abort();
    await watching;
    expect(server.stored('user').map((c) => c.body.userId)).toEqual([issued.userId]);
    expect(reports.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('a watch survives an unreachable server and reports each refusal once', async () => {
    const server = new FakeAdminServer();
    const admin = new AdminClient({ baseUrl: FAKE_URL, token: FAKE_TOKEN, fetch: server.fetch });
    const { authority } = await ensureDemoOrganisation({ dir, admin, name: 'Demo', kdf });
    const issued = await authority.issueCode({ role: 'teacher', displayName: 'Ope' });
    server.enrol(enrollingDevice(issued.code), { proof: 'cd'.repeat(32) });
    server.outage = 'unreachable';
    const stop = new AbortController();
    const errors: unknown[] = [];
    const refusals: string[] = [];
    const watching = watchEnrolments(authority, {
      intervalMs: 30, signal: stop.signal, onError: (e) => errors.push(e), onReport: (r) => refusals.push(...r.refused.map((x) => x.reason)),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.outage = undefined;
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop.abort();
    await watching;
    expect(errors.length).toBeGreaterThan(0);
    expect(refusals).toEqual(['bad_proof']);
  });
});
