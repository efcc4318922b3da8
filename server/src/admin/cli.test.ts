/**
 * The admin CLI on a real sqlite file: commands print JSON and audit, usage errors exit
 * 2 with the usage text, refusals exit 1, and a code it issues enrols a device on a
 * server started on the same store. The entry script is run once as a real process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrgResponseSchema, issuedCodeResponseSchema } from '@yhteispoyta/crypto/protocol';
import { createStore } from '../store/create-store';
import { enrolWithCode, expectLogsFreeOfSecrets, startApiServer } from '../http/api.testkit';
import { EXIT, USAGE, parseCommand, runAdminCli } from './cli';

let dir: string;
let env: Record<string, string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'yhteispoyta-cli-'));
  env = { SQLITE_PATH: join(dir, 'server.db'), LOG_LEVEL: 'silent' };
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAdminCli(argv, env, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('parseCommand', () => {
  it('parses the three commands and refuses anything else', () => {
    expect(parseCommand(['create-org', '--name', 'Kela'])).toEqual({ command: 'create-org', name: 'Kela' });
    expect(parseCommand(['issue-code', '--org', 'o1', '--role', 'kela_expert', '--name', 'Maija', '--ttl', '3600'])).toEqual({
      command: 'issue-code', orgId: 'o1', role: 'kela_expert', displayName: 'Maija', ttlSeconds: 3600,
    });
    expect(parseCommand(['list-orgs'])).toEqual({ command: 'list-orgs' });
    for (const bad of [[], ['drop-all'], ['create-org'], ['create-org', '--name'], ['list-orgs', '--name', 'x'], ['create-org', '--name', 'a', 'extra'], ['issue-code', '--org', 'o', '--role', 'r', '--name', 'n', '--ttl', '1h']]) {
      expect(() => parseCommand(bad)).toThrow();
    }
  });
});

describe('runAdminCli', () => {
  it('creates an organisation, issues a code, lists, and audits both admin actions', async () => {
    const created = await run('create-org', '--name', 'Kela, Helsinki');
    expect(created.code).toBe(EXIT.ok);
    const { orgId } = createOrgResponseSchema.parse(JSON.parse(created.out));
    const issued = await run('issue-code', '--org', orgId, '--role', 'kela_expert', '--name', 'Maija Meikäläinen');
    expect(issued.code).toBe(EXIT.ok);
    const code = issuedCodeResponseSchema.parse(JSON.parse(issued.out));
    const listed = await run('list-orgs');
    expect(JSON.parse(listed.out)).toMatchObject({ orgs: [{ orgId, name: 'Kela, Helsinki' }] });

    const store = await createStore({ kind: 'sqlite', path: env['SQLITE_PATH'] ?? '' });
    try {
      const actions = (await store.queryAudit({ limit: 100 })).map((e) => [e.action, e.actor]);
      expect(actions).toEqual([['admin_create_org', null], ['admin_issue_code', null]]);
      expect((await store.verifyAuditChain()).ok).toBe(true);
    } finally {
      await store.close();
    }

    // The code works on a server over the same store.
    const server = await startApiServer({ SQLITE_PATH: env['SQLITE_PATH'] });
    try {
      server.secrets.add(code.code);
      const device = await enrolWithCode(server, code.code);
      expect(device).toMatchObject({ ref: { userId: code.userId, deviceId: 1 }, orgId, role: 'kela_expert' });
      expectLogsFreeOfSecrets(server);
    } finally {
      await server.close();
    }
  });

  it('exits 2 with the usage text on usage errors and invalid values', async () => {
    for (const argv of [['nonsense'], ['issue-code', '--org', 'x'], ['create-org', '--name', '   ']]) {
      const result = await run(...argv);
      expect(result).toMatchObject({ code: EXIT.usage, out: '' });
      expect(result.err).toContain(USAGE);
    }
    const client = await run('issue-code', '--org', 'x', '--role', 'client', '--name', 'A');
    expect(client.code).toBe(EXIT.usage);
    expect(client.err).toContain('invalid role');
  });

  it('exits 1 when the store refuses or the configuration is invalid', async () => {
    const unknown = await run('issue-code', '--org', 'no-such-org', '--role', 'teacher', '--name', 'Opettaja');
    expect(unknown).toMatchObject({ code: EXIT.failed, out: '', err: 'refused: no such organisation\n' });
    let err = '';
    const code = await runAdminCli(['list-orgs'], { STORE: 'mongo' }, { out: () => undefined, err: (t) => (err += t) });
    expect(code).toBe(EXIT.failed);
    expect(err).toContain('MONGODB_URI');
  });

  it('runs as `npm run admin` does, through its entry script', async () => {
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const { stdout } = await promisify(execFile)(tsx, ['server/src/admin-cli.ts', 'create-org', '--name', 'THL'], {
      env: { ...process.env, ...env },
    });
    expect(createOrgResponseSchema.safeParse(JSON.parse(stdout)).success).toBe(true);
    const failed = await promisify(execFile)(tsx, ['server/src/admin-cli.ts', 'bogus'], { env: { ...process.env, ...env } }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(EXIT.usage);
    expect(failed.stderr).toContain('unknown command: bogus');
  });
});
