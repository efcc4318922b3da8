/**
 * The admin tool against the real server, started in-process on a temporary sqlite store:
 * a whole session through the CLI, a device enrolling over the real `POST /v1/enrol`, a
 * hostile server (the real one, its listing rewritten on the way) whose substituted keys
 * are refused, and the organisation monitor reading the server's transparency log — clean,
 * with a certificate the operator wrote into its own store past every check, and rewritten.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from '@signalapp/sqlcipher';
import { PrivateKey } from '@signalapp/libsignal-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import { fromBase64, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { certificateJson, signCertificate, verifyPerson } from '@yhteispoyta/crypto/certificates/index';
import { verifyLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { certificateColumns } from '@yhteispoyta/server/store/certificate-columns';
import { authChallengeResponseSchema, loginResponseSchema, loginSigningBytes, queryCertificatesResponseSchema } from '@yhteispoyta/crypto/protocol';
import type { PendingEnrolment } from '@yhteispoyta/crypto/protocol';
import { startServer } from '@yhteispoyta/server/app';
import type { RunningServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { AdminClient } from '../admin-client';
import { ensureDemoOrganisation } from '../demo';
import { enrollingDevice, strangerKey } from '../device.testkit';
import type { EnrollingDevice } from '../device.testkit';
import { MIN_KDF_N } from '../key-file';
import { LogClient } from '../log-client';
import { KeyFileOrgStateStore } from '../org-state';
import { loadRootKey } from '../root-key';
import { watchEnrolments } from '../watch';
import { runAdminCli } from './run';
import type { CliDeps } from './run';

const TOKEN = 'admin-tool-test-token-0123456789';
const PASS = 'a long enough passphrase';
const kdf = { N: MIN_KDF_N, r: 8, p: 1 };

let dir: string;
let server: RunningServer;

/** A real server on its own sqlite file in `dir`, port 0, logging to a file. */
function startIn(name: string): Promise<RunningServer> {
  const config = loadConfig({ SQLITE_PATH: join(dir, `${name}.db`), ADMIN_TOKEN: TOKEN, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  return startServer({ config, logDestination: pino.destination({ dest: join(dir, `${name}.log`), sync: true }) });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admin-real-server-'));
  server = await startIn('server');
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A device logging in by challenge–response, as an agent does; its session token. */
async function logIn(on: RunningServer, device: EnrollingDevice): Promise<string> {
  const post = async (path: string, body: unknown, token?: string): Promise<unknown> => {
    const response = await fetch(`${on.url}${path}`, {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    });
    expect(response.status, path).toBe(200);
    return response.json();
  };
  const ref = { userId: device.userId, deviceId: device.deviceId };
  const challenge = authChallengeResponseSchema.parse(await post('/v1/auth/challenge', ref));
  const signature = device.identityKey.sign(loginSigningBytes(fromBase64(challenge.nonce) ?? new Uint8Array(), ref));
  return loginResponseSchema.parse(await post('/v1/auth/login', { challengeId: challenge.challengeId, signature: toBase64(signature) })).token;
}

/** Who `userId` is, verified against the root from the certificates the server hands a logged-in agent. */
async function verified(on: RunningServer, token: string, rootKey: string, orgId: string, userId: string, at = Date.now()): Promise<ReturnType<typeof verifyPerson>> {
  const response = await fetch(`${on.url}/v1/certificates/query`, {
    method: 'POST', body: JSON.stringify({ userIds: [userId], orgIds: [orgId] }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  const { certificates } = queryCertificatesResponseSchema.parse(await response.json());
  return verifyPerson({ root: fromBase64(rootKey) ?? new Uint8Array(), userId, certificates, now: at });
}

async function cli(args: readonly string[], deps: CliDeps = {}, on: RunningServer = server): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAdminCli([...args, '--server', on.url], { ADMIN_TOKEN: TOKEN, YHTEISPOYTA_ADMIN_PASSPHRASE: PASS }, {
    out: (t) => (out += t), err: (t) => (err += t),
  }, { kdf, ...deps });
  return { code, out, err };
}

/** A device redeeming `code` over the real enrolment route, as an agent does. */
async function enrol(code: string, on: RunningServer = server): Promise<EnrollingDevice> {
  const identity = generateDeviceIdentity(1);
  const device = enrollingDevice(code, { identityKey: identity.identityKeyPair.privateKey });
  const { upload } = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 1, firstPreKeyId: 1, firstKyberId: 2, count: 2 });
  const response = await fetch(`${on.url}/v1/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...device.request, deviceCertificate: certificateJson(device.request.deviceCertificate), prekeys: upload }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return device;
}

async function pending(orgId: string): Promise<readonly PendingEnrolment[]> {
  return new AdminClient({ baseUrl: server.url, token: TOKEN }).listOrgEnrolments(orgId);
}

describe('the admin tool against the real server', () => {
  it('init-root, create-org, list-orgs, issue-code, enrolment, certify, revoke-user', async () => {
    const rootFile = join(dir, 'root.key');
    const orgFile = join(dir, 'org.key');
    expect((await cli(['init-root', '--out', rootFile])).code).toBe(0);
    const created = await cli(['create-org', '--root', rootFile, '--name', 'Kela, Itä-Suomen vakuutuspiiri', '--out', orgFile, '--json']);
    expect(created.code, created.err).toBe(0);
    const { orgId, log } = JSON.parse(created.out) as { orgId: string; log: { fingerprint: string; certifiedNow: boolean } };
    // The root was unlocked and the server's log not yet certified: create-org certified it.
    expect(log).toMatchObject({ fingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as string, certifiedNow: true });
    const served = await new LogClient({ baseUrl: server.url }).getLog();
    expect(verifyLogCertificate(fromBase64((await loadRootKey(rootFile, PASS)).publicKey) ?? new Uint8Array(), served.certificate, Date.now())).toMatchObject({ ok: true });
    // Registering again is a no-op.
    expect((await cli(['register-org', '--org-key', orgFile])).code).toBe(0);

    const list = await cli(['list-orgs', '--json']);
    expect(list.code, list.err).toBe(0);
    expect((JSON.parse(list.out) as { orgs: { orgId: string; name: string }[] }).orgs).toEqual([expect.objectContaining({ orgId, name: 'Kela, Itä-Suomen vakuutuspiiri' })]);

    const issued = await cli(['issue-code', '--org-key', orgFile, '--role', 'kela_expert', '--name', 'Maija Meikäläinen', '--json']);
    expect(issued.code, issued.err).toBe(0);
    const { code, userId } = JSON.parse(issued.out) as { code: string; userId: string };
    const colleagueCode = (JSON.parse((await cli(['issue-code', '--org-key', orgFile, '--role', 'kela_expert', '--name', 'Eino', '--json'])).out) as { code: string }).code;
    const device = await enrol(code);
    const colleague = await enrol(colleagueCode);
    expect(device.userId).toBe(userId);
    expect((await pending(orgId)).map((e) => e.codeId).sort()).toEqual([device.codeId, colleague.codeId].sort());

    const certified = await cli(['certify', '--org-key', orgFile]);
    expect(certified.code, `${certified.out}${certified.err}`).toBe(0);
    expect(certified.out).toContain(`certified  ${userId} device 1  Maija Meikäläinen (kela_expert)  serial`);
    expect(certified.out).toContain(`certified  ${colleague.userId} device 1  Eino (kela_expert)  serial`);
    // The server closed the enrolments once the device certificates were stored.
    expect(await pending(orgId)).toEqual([]);

    // What her colleague's agent verifies: Maija, certified by her organisation, with this one device.
    const rootKey = (await loadRootKey(rootFile, PASS)).publicKey;
    const token = await logIn(server, colleague);
    const person = await verified(server, token, rootKey, orgId, userId);
    expect(person.ok && person.person.kind === 'professional' && [person.person.role, person.person.displayName, person.person.orgName]).toEqual([
      'kela_expert', 'Maija Meikäläinen', 'Kela, Itä-Suomen vakuutuspiiri',
    ]);
    expect(person.ok && person.person.devices.map((d) => toBase64(d.identityKey))).toEqual([device.identityKeyB64]);

    const revoked = await cli(['revoke-user', '--org-key', orgFile, '--user', userId]);
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.out).toContain(`Revoked ${userId}: user certificate serial`);
    const after = await verified(server, token, rootKey, orgId, userId, Date.now() + 1000);
    expect(after.ok ? 'ok' : after.code).toBe('revoked');

    // Everything above was recorded in the server's audit chain, and the chain checks out.
    const audit = await cli(['verify-audit', '--json']);
    expect(audit.code, audit.err).toBe(0);
    expect(JSON.parse(audit.out)).toEqual({ ok: true, intact: true, entries: expect.any(Number) as number });

    // The server never saw a private key or the code's secret: not in its store, not in its log.
    const orgState = await (await KeyFileOrgStateStore.open(orgFile, PASS)).load();
    const root = await loadRootKey(rootFile, PASS);
    const files = ['server.db', 'server.db-wal', 'server.log'].map((f) => readFile(join(dir, f)).catch(() => Buffer.alloc(0)));
    const written = Buffer.concat(await Promise.all(files));
    for (const secret of [code.split('.')[1] ?? '-', orgState.privateKey, toBase64(root.privateKey.serialize())]) {
      expect(written.includes(Buffer.from(secret))).toBe(false);
    }
    // (and the scan does see what the server keeps: the organisation's public key, the device's identity key)
    expect([orgState.certificate.body.t === 'org' ? orgState.certificate.body.orgKey : '-', device.identityKeyB64].map((k) => written.includes(Buffer.from(k)))).toEqual([true, true]);
  });

  it('refuses an enrolment whose keys the server substituted, and stores nothing', async () => {
    const rootFile = join(dir, 'root2.key');
    const orgFile = join(dir, 'org2.key');
    // The server holds one root; a second organisation under the same root.
    expect((await cli(['init-root', '--out', rootFile])).code).toBe(0);
    const clash = await cli(['create-org', '--root', rootFile, '--name', 'THL', '--out', orgFile]);
    expect(clash.code).toBe(1);
    expect(clash.err).toContain('another deployment root');

    const created = await cli(['create-org', '--root', join(dir, 'root.key'), '--name', 'THL', '--out', join(dir, 'thl.key'), '--json']);
    expect(created.code, created.err).toBe(0);
    const { orgId, log } = JSON.parse(created.out) as { orgId: string; log: { certifiedNow: boolean } };
    expect(log.certifiedNow).toBe(false);
    const issued = await cli(['issue-code', '--org-key', join(dir, 'thl.key'), '--role', 'health_professional', '--name', 'Liisa', '--json']);
    expect(issued.code, issued.err).toBe(0);
    const { code } = JSON.parse(issued.out) as { code: string };
    await enrol(code);
    const swapped = strangerKey().b64;
    const hostile: typeof fetch = async (input, init) => {
      const answer = await fetch(input, init);
      if (!String(input).endsWith('/enrolments')) return answer;
      const json = (await answer.json()) as { enrolments: PendingEnrolment[] };
      return new Response(JSON.stringify({ enrolments: json.enrolments.map((e) => ({ ...e, identityKey: swapped })) }), { status: 200 });
    };
    const refused = await cli(['certify', '--org-key', join(dir, 'thl.key')], { fetch: hostile });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('REFUSED');
    expect(refused.out).toContain('possible key substitution');
    expect((await pending(orgId)).length).toBe(1);
    // The honest listing of the same enrolment is certified.
    expect((await cli(['certify', '--org-key', join(dir, 'thl.key')])).code).toBe(0);
    expect(await pending(orgId)).toEqual([]);
  });

  it('npm start’s demo organisation registers and certifies its first professional, and opens again on the next start', async () => {
    // This server already holds a root: another root's demo clashes, which it says plainly.
    await expect(ensureDemoOrganisation({ dir: join(dir, 'demo-elsewhere'), admin: new AdminClient({ baseUrl: server.url, token: TOKEN }), name: 'Demo', kdf }))
      .rejects.toThrow(/another deployment root/);

    const fresh = await startIn('demo');
    try {
      const admin = new AdminClient({ baseUrl: fresh.url, token: TOKEN });
      const demo = await ensureDemoOrganisation({ dir: join(dir, 'demo'), admin, name: 'Demo-hyvinvointialue', kdf });
      expect(demo.created).toBe(true);
      // The demo root certified the server's transparency log key.
      const { certificate } = await new LogClient({ baseUrl: fresh.url }).getLog();
      expect(verifyLogCertificate(fromBase64(demo.authority.rootKey) ?? new Uint8Array(), certificate, Date.now())).toMatchObject({ ok: true });
      const issued = await demo.authority.issueCode({ role: 'social_worker', displayName: 'Ensimmäinen ammattilainen' });
      const stop = new AbortController();
      const watching = watchEnrolments(demo.authority, { intervalMs: 100, signal: stop.signal });
      const device = await enrol(issued.code, fresh);
      const open = new AdminClient({ baseUrl: fresh.url, token: TOKEN });
      for (let i = 0; i < 100 && (await open.listOrgEnrolments(demo.authority.orgId)).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      stop.abort();
      await watching;
      const person = await verified(fresh, await logIn(fresh, device), demo.authority.rootKey, demo.authority.orgId, issued.userId);
      expect(person.ok && person.person.kind === 'professional' && person.person.role).toBe('social_worker');
      // npm start again: the same keys, registered again without complaint.
      const again = await ensureDemoOrganisation({ dir: join(dir, 'demo'), admin, name: 'Demo-hyvinvointialue', kdf });
      expect([again.created, again.authority.orgId]).toEqual([false, demo.authority.orgId]);
    } finally {
      await fresh.close();
    }
  });
});

describe('the organisation monitor against the real server', () => {
  it('passes a clean log (exit 0), flags what the operator wrote into its own store (exit 1), reports a rewritten log (exit 3)', async () => {
    const name = 'monitored';
    let running = await startIn(name);
    const rootFile = join(dir, 'monitor-root.key');
    const orgFile = join(dir, 'monitor-org.key');
    const on = (args: readonly string[]) => cli(args, {}, running);
    try {
      expect((await on(['init-root', '--out', rootFile])).code).toBe(0);
      const created = await on(['create-org', '--root', rootFile, '--name', 'Sosiaalipalvelut', '--out', orgFile, '--json']);
      expect(created.code, created.err).toBe(0);
      const { orgId } = JSON.parse(created.out) as { orgId: string };
      const { code, userId } = JSON.parse((await on(['issue-code', '--org-key', orgFile, '--role', 'social_worker', '--name', 'Sini', '--json'])).out) as { code: string; userId: string };
      await enrol(code, running);
      expect((await on(['certify', '--org-key', orgFile])).code).toBe(0);

      const clean = await on(['monitor', '--org-key', orgFile, '--json']);
      expect(clean.code, clean.err).toBe(0);
      const report = JSON.parse(clean.out) as { ok: boolean; log: { verified: boolean; treeSize: number; previous: unknown }; certificates: { type: string; userId?: string; finding?: unknown }[]; findings: number };
      expect(report).toMatchObject({ ok: true, log: { verified: true, treeSize: 3, previous: null }, findings: 0 });
      expect(report.certificates.map((c) => [c.type, c.userId ?? orgId])).toEqual([['org', orgId], ['user', userId], ['device', userId]]);
      const again = await on(['monitor', '--org-key', orgFile]);
      expect(again.code).toBe(0);
      expect(again.out).toContain('It holds the 3 entries of the head checked before');
      expect(again.out).toContain('No finding');

      // The operator, past every check of its own server, writes a person into the
      // organisation and a device for him straight into its store: both land in the log.
      const operator = PrivateKey.generate();
      const operatorKey = toBase64(toBytes(operator.getPublicKey().serialize()));
      const now = Date.now();
      const rogue = signCertificate({
        t: 'user', v: 1, userId: 'u_operator_own', orgId, role: 'social_worker', displayName: 'Sini Sosiaalityöntekijä', userKey: operatorKey,
        notBefore: now - 1000, notAfter: now + 3_600_000, serial: 1,
      }, operator);
      const rogueDevice = signCertificate({ t: 'device', v: 1, userId: 'u_operator_own', deviceId: 1, identityKey: operatorKey, created: now }, operator);
      await running.ctx.store.certificates.putCertificate(rogue, now);
      await running.ctx.store.certificates.putCertificate(rogueDevice, now);
      const flagged = await on(['monitor', '--org-key', orgFile, '--json']);
      expect(flagged.code, flagged.err).toBe(1);
      const findings = (JSON.parse(flagged.out) as { certificates: { index: number; userId?: string; finding?: { code: string } }[] }).certificates
        .filter((c) => c.finding !== undefined).map((c) => [c.index, c.userId, c.finding?.code]);
      expect(findings).toEqual([[3, 'u_operator_own', 'not_signed_by_org'], [4, 'u_operator_own', 'not_signed_by_user']]);
      const text = await on(['monitor', '--org-key', orgFile]);
      expect(text.code).toBe(1);
      expect(text.out).toMatch(/3\s+user\s+u_operator_own serial 1 {2}Sini Sosiaalityöntekijä \(social_worker\)\s+FINDING not_signed_by_org/);
      expect(text.out).toContain('2 findings');

      // Then it hides its tracks: Sini's user certificate's leaf now holds another
      // certificate, and the server restarts over the rewritten store.
      await running.close();
      const replacement = signCertificate({ ...rogue.body, userId: 'u_someone_else' }, operator);
      const columns = certificateColumns(replacement);
      const db = new Database(join(dir, `${name}.db`));
      db.prepare('INSERT INTO certificates (id, type, user_id, org_id, device_id, json, stored_at) VALUES (?, ?, ?, ?, NULL, ?, ?)')
        .run([columns.id, columns.type, columns.userId ?? null, columns.orgId ?? null, columns.json, now]);
      db.prepare('UPDATE log_leaves SET certificate_id = ?, leaf_hash = ? WHERE idx = 1').run([columns.id, columns.leafHash]);
      db.close();
      running = await startIn(name);
      const rewritten = await on(['monitor', '--org-key', orgFile, '--json']);
      expect(rewritten.code, rewritten.err).toBe(3);
      expect(JSON.parse(rewritten.out)).toMatchObject({ ok: false, log: { verified: false, code: 'rewritten', previous: { treeSize: 5 } } });
      // The head verified before stays remembered: the next run says the same.
      expect((await on(['monitor', '--org-key', orgFile])).code).toBe(3);
      expect(JSON.parse(await readFile(`${orgFile}.monitor.json`, 'utf8'))).toMatchObject({ v: 1, head: { treeSize: 5 } });
    } finally {
      await running.close();
    }
  });
});
