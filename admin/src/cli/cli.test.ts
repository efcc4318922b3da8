/**
 * The CLI in-process against the in-memory admin API (fake-server.testkit.ts), plus one
 * run of the real entry point under tsx. The full run against the real server is in
 * cli.server.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import { verifyLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { logKeyFingerprint, logPublicKey } from '@yhteispoyta/crypto/transparency/log-key';
import { enrollingDevice, strangerKey } from '../device.testkit';
import { FAKE_TOKEN, FAKE_URL, FakeAdminServer } from '../fake-server.testkit';
import { MIN_KDF_N } from '../key-file';
import { KeyFileOrgStateStore } from '../org-state';
import { loadRootKey } from '../root-key';
import { runAdminCli } from './run';
import type { CliDeps } from './run';

const PASS = 'a long enough passphrase';
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

let dir: string;
let server: FakeAdminServer;
let deps: CliDeps;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admin-cli-'));
  server = new FakeAdminServer();
  deps = { fetch: server.fetch, kdf: { N: MIN_KDF_N, r: 8, p: 1 } };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(args: readonly string[], env: Record<string, string | undefined> = { YHTEISPOYTA_ADMIN_PASSPHRASE: PASS, ADMIN_TOKEN: FAKE_TOKEN }, signal?: AbortSignal): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runAdminCli([...args, ...(args.includes('--server') ? [] : ['--server', FAKE_URL])], env, {
    out: (t) => (out += t), err: (t) => (err += t), ...(signal === undefined ? {} : { signal }),
  }, deps);
  return { code, out, err };
}

describe('usage', () => {
  const cases: Record<string, string[]> = {
    'no command': [],
    'an unknown command': ['frobnicate'],
    'a missing required option': ['init-root'],
    'an option of another command': ['list-orgs', '--org-key', 'x'],
    'an unknown option': ['list-orgs', '--verbose'],
    'a stray argument': ['list-orgs', 'extra'],
    'a lifetime that is not a number': ['issue-code', '--org-key', 'k', '--role', 'teacher', '--name', 'X', '--ttl', '1h'],
    '--interval-ms without --watch': ['certify', '--org-key', 'k', '--interval-ms', '500'],
    'a validity out of range': ['create-org', '--root', 'r', '--name', 'X', '--out', 'o', '--valid-days', '0'],
    'an unknown role': ['issue-code', '--org-key', 'k', '--role', 'boss', '--name', 'X'],
    'a name with a bidirectional override': ['issue-code', '--org-key', 'k', '--role', 'teacher', '--name', '\u202Eevil'],
    'a lifetime below the protocol minimum': ['issue-code', '--org-key', 'k', '--role', 'teacher', '--name', 'X', '--ttl', '5'],
    'a malformed user id': ['revoke-user', '--org-key', 'k', '--user', 'a/b'],
    'a blank organisation name': ['create-org', '--root', 'r', '--name', ' ', '--out', 'o'],
    'monitor without its key file': ['monitor'],
    'certify-log without the root': ['certify-log'],
    'monitor with an option of certify-log': ['monitor', '--org-key', 'k', '--root', 'r'],
  };
  for (const [what, args] of Object.entries(cases)) {
    it(`${what} is a usage error (exit 2, usage on stderr, no stack)`, async () => {
      const result = await run(args);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/^admin: /);
      expect(result.err).toContain('Usage: npm run admin');
      expect(result.err).not.toMatch(/\n\s+at /);
      expect(result.out).toBe('');
    });
  }

  it('help prints the usage and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('issue-code --org-key FILE --role ROLE --name NAME');
  });

  it('a missing passphrase or token says where to put it (exit 2)', async () => {
    const noPass = await run(['init-root', '--out', join(dir, 'root.key')], { ADMIN_TOKEN: FAKE_TOKEN });
    expect(noPass.code).toBe(2);
    expect(noPass.err).toContain('set YHTEISPOYTA_ADMIN_PASSPHRASE or pass --passphrase-file FILE');
    const noToken = await run(['list-orgs'], {});
    expect(noToken.code).toBe(2);
    expect(noToken.err).toContain('set ADMIN_TOKEN or pass --token-file FILE');
    const missingFile = await run(['list-orgs', '--token-file', join(dir, 'nope')], {});
    expect(missingFile.code).toBe(2);
    expect(missingFile.err).toContain('no such file');
  });

  it('the real entry point runs under tsx and exits with the status', async () => {
    const tsx = join(repoRoot, 'node_modules/.bin/tsx');
    const failed = await promisify(execFile)(tsx, ['admin/src/cli.ts', 'bogus'], { cwd: repoRoot }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('unknown command: bogus');
  });
});

describe('a full session against the admin API', () => {
  it('init-root, create-org, list-orgs, issue-code, certify, revoke-user', async () => {
    const rootFile = join(dir, 'root.key');
    const orgFile = join(dir, 'org.key');
    const tokenFile = join(dir, 'token');
    const passFile = join(dir, 'pass');
    await writeFile(tokenFile, `${FAKE_TOKEN}\n`);
    await writeFile(passFile, `${PASS}\n`);
    const viaFiles = ['--token-file', tokenFile, '--passphrase-file', passFile];
    const outputs: string[] = [];
    const step = async (args: string[], env: Record<string, string | undefined> = {}): Promise<Run> => {
      const result = await run([...args, ...viaFiles], env);
      outputs.push(result.out, result.err);
      return result;
    };

    const init = await step(['init-root', '--out', rootFile]);
    expect(init.code).toBe(0);
    const root = await loadRootKey(rootFile, PASS);
    expect(init.out).toContain(`Root fingerprint: ${root.fingerprint}`);

    const created = await step(['create-org', '--root', rootFile, '--name', 'Kela, Itä-Suomen vakuutuspiiri', '--out', orgFile, '--json']);
    expect(created.code).toBe(0);
    const createdJson = JSON.parse(created.out) as { orgId: string; rootFingerprint: string };
    expect(createdJson.rootFingerprint).toBe(root.fingerprint);
    expect(server.root).toBe(root.publicKey);
    expect(server.orgs.has(createdJson.orgId)).toBe(true);

    const list = await step(['list-orgs']);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`${createdJson.orgId}\\s+Kela, Itä-Suomen vakuutuspiiri`));

    const issued = await step(['issue-code', '--org-key', orgFile, '--role', 'kela_expert', '--name', 'Maija Meikäläinen', '--ttl', '3600']);
    expect(issued.code).toBe(0);
    const code = /\n {2}(enr_\S+)\n/.exec(issued.out)?.[1] ?? '';
    expect(code.split('.')[2]).toBe(root.fingerprint);
    const device = enrollingDevice(code);
    server.enrol(device);

    const certified = await step(['certify', '--org-key', orgFile]);
    expect(certified.code).toBe(0);
    expect(certified.out).toContain(`certified  ${device.userId} device 1  Maija Meikäläinen (kela_expert)  serial 1`);
    expect(server.stored('user')).toHaveLength(1);
    expect(server.stored('device')).toHaveLength(1);

    const idle = await step(['certify', '--org-key', orgFile, '--json']);
    expect(idle.code).toBe(0);
    expect(JSON.parse(idle.out)).toEqual({ ok: true, certified: [], refused: [], failed: [], ignored: [] });

    const revoked = await step(['revoke-user', '--org-key', orgFile, '--user', device.userId]);
    expect(revoked.code).toBe(0);
    expect(revoked.out).toContain(`Revoked ${device.userId}: user certificate serial 1`);
    expect(server.stored('user_revocation').map((r) => r.body.serial)).toEqual([1]);

    const unknown = await step(['revoke-user', '--org-key', orgFile, '--user', 'u_nobody', '--json']);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.out)).toMatchObject({ ok: false, error: { code: 'unknown_user' } });

    // Nothing printed ever holds a private key or the code's secret (beyond issue-code's one line).
    const orgState = await (await KeyFileOrgStateStore.open(orgFile, PASS)).load();
    const secret = code.split('.')[1] ?? '-';
    const all = outputs.join('\n');
    expect(all).not.toContain(toBase64(root.privateKey.serialize()));
    expect(all).not.toContain(orgState.privateKey);
    expect(all).not.toContain(PASS);
    expect(all).not.toContain(FAKE_TOKEN);
    expect(all.split(secret)).toHaveLength(2);
  });

  it('refuses a substituted enrolment with exit 1 and says so', async () => {
    const rootFile = join(dir, 'root.key');
    const orgFile = join(dir, 'org.key');
    expect((await run(['init-root', '--out', rootFile])).code).toBe(0);
    expect((await run(['create-org', '--root', rootFile, '--name', 'THL', '--out', orgFile])).code).toBe(0);
    const issued = await run(['issue-code', '--org-key', orgFile, '--role', 'health_professional', '--name', 'Liisa', '--json']);
    const { code } = JSON.parse(issued.out) as { code: string };
    server.enrol(enrollingDevice(code));
    server.tamper = (list) => list.map((e) => ({ ...e, identityKey: strangerKey().b64 }));
    const result = await run(['certify', '--org-key', orgFile]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('REFUSED');
    expect(result.out).toContain('possible key substitution by the server');
    expect(server.certificates.size).toBe(0);
  });

  it('a wrong passphrase, another kind of key file, or a server that refuses: exit 1, one line, no stack', async () => {
    const rootFile = join(dir, 'root.key');
    const orgFile = join(dir, 'org.key');
    expect((await run(['init-root', '--out', rootFile])).code).toBe(0);
    const before = await readFile(rootFile);
    const wrong = await run(['create-org', '--root', rootFile, '--name', 'X', '--out', orgFile], { YHTEISPOYTA_ADMIN_PASSPHRASE: 'not the passphrase', ADMIN_TOKEN: FAKE_TOKEN });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe(`admin: the passphrase does not open ${rootFile} (or the file was altered)\n`);
    expect(await readFile(rootFile)).toEqual(before);
    const kind = await run(['issue-code', '--org-key', rootFile, '--role', 'teacher', '--name', 'X']);
    expect(kind.code).toBe(1);
    expect(kind.err).toContain('holds a deployment root key, not an organisation key');
    const again = await run(['init-root', '--out', rootFile]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already exists');
    const badToken = await run(['list-orgs'], { ADMIN_TOKEN: 'wrong-token' });
    expect(badToken.code).toBe(1);
    expect(badToken.err).toContain('(the admin token was refused)');
    server.outage = 'unreachable';
    const down = await run(['list-orgs']);
    expect(down.code).toBe(1);
    expect(down.err).toBe(`admin: cannot reach ${FAKE_URL}: ECONNREFUSED\n`);
    for (const r of [wrong, kind, again, badToken, down]) expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('verify-audit says whether the server\'s audit chain checks out, and fails when it does not', async () => {
    server.audit = { intact: true, entries: 42 };
    const intact = await run(['verify-audit']);
    expect(intact.code).toBe(0);
    expect(intact.out).toBe('The audit log is intact: 42 entries, each linked by its hash to the one before.\n');
    server.audit = { intact: false, brokenAtSeq: 17 };
    const broken = await run(['verify-audit', '--json']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.out)).toEqual({ ok: false, intact: false, brokenAtSeq: 17 });
    expect(server.calls).toContain('GET /v1/admin/audit/verify');
    expect((await run(['verify-audit', '--org-key', 'x'])).code).toBe(2);
  });

  it('create-org keeps the key when registering fails, and register-org finishes the job', async () => {
    const rootFile = join(dir, 'root.key');
    const orgFile = join(dir, 'org.key');
    expect((await run(['init-root', '--out', rootFile])).code).toBe(0);
    server.outage = { status: 503, code: 'internal' };
    const failed = await run(['create-org', '--root', rootFile, '--name', 'Kela', '--out', orgFile]);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain(`npm run admin -- register-org --org-key ${orgFile}`);
    server.outage = undefined;
    const registered = await run(['register-org', '--org-key', orgFile, '--json']);
    expect(registered.code).toBe(0);
    expect(server.orgs.has((JSON.parse(registered.out) as { orgId: string }).orgId)).toBe(true);
  });

  it("create-org certifies the server's log key when it is not yet certified; certify-log does it again on request", async () => {
    const rootFile = join(dir, 'root.key');
    expect((await run(['init-root', '--out', rootFile])).code).toBe(0);
    const root = await loadRootKey(rootFile, PASS);
    const fingerprint = logKeyFingerprint(logPublicKey(server.logKey));
    const created = await run(['create-org', '--root', rootFile, '--name', 'Kela', '--out', join(dir, 'kela.key')]);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toContain(`Certified: the transparency log key of ${FAKE_URL}, fingerprint ${fingerprint}, until `);
    const first = server.logCertificate;
    expect(first === null ? undefined : verifyLogCertificate(fromBase64(root.publicKey) ?? new Uint8Array(), first, Date.now())).toMatchObject({ ok: true });
    // A second organisation finds the log certified and leaves the certificate alone.
    const second = await run(['create-org', '--root', rootFile, '--name', 'THL', '--out', join(dir, 'thl.key'), '--json']);
    expect(JSON.parse(second.out)).toMatchObject({ log: { fingerprint, certifiedNow: false } });
    expect(server.logCertificate).toBe(first);

    const renewed = await run(['certify-log', '--root', rootFile, '--valid-days', '30', '--json']);
    expect(renewed.code, renewed.err).toBe(0);
    expect(JSON.parse(renewed.out)).toMatchObject({ ok: true, fingerprint, logKey: toBase64(logPublicKey(server.logKey)) });
    expect(server.logCertificate).not.toBe(first);
    expect(server.logCertificate?.body.notAfter).toBeLessThan(Date.now() + 31 * 24 * 3600_000);

    // Another root's certificate is refused by the server.
    const otherRoot = join(dir, 'other-root.key');
    expect((await run(['init-root', '--out', otherRoot])).code).toBe(0);
    const refused = await run(['certify-log', '--root', otherRoot]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('refused by the server (bad_signature)');
  });

  it('certify --watch certifies as enrolments arrive and stops on the signal', async () => {
    const rootFile = join(dir, 'root.key');
    const orgFile = join(dir, 'org.key');
    expect((await run(['init-root', '--out', rootFile])).code).toBe(0);
    expect((await run(['create-org', '--root', rootFile, '--name', 'Kela', '--out', orgFile])).code).toBe(0);
    const { code } = JSON.parse((await run(['issue-code', '--org-key', orgFile, '--role', 'teacher', '--name', 'Ope', '--json'])).out) as { code: string };
    const stop = new AbortController();
    const watching = run(['certify', '--org-key', orgFile, '--watch', '--interval-ms', '100', '--json'], undefined, stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.enrol(enrollingDevice(code));
    for (let i = 0; i < 100 && server.stored('device').length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort();
    const result = await watching;
    expect(result.code).toBe(0);
    const lines = result.out.trim().split('\n').map((l) => JSON.parse(l) as { certified: unknown[] });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.certified).toHaveLength(1);
  });
});
