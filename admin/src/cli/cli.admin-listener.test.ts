/**
 * The admin tool against a server whose admin API has a listener of its own (ADMIN_PORT, as
 * docker-compose.yml runs it, issue 15): every admin command works through that listener,
 * and the public listener — the only one the proxy publishes — answers none of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '@yhteispoyta/server/app';
import type { RunningServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { MIN_KDF_N } from '../key-file';
import { runAdminCli } from './run';

const TOKEN = 'admin-listener-test-token-0123456789';
const PASS = 'a long enough passphrase';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admin-listener-'));
  const config = loadConfig({ SQLITE_PATH: join(dir, 'server.db'), ADMIN_TOKEN: TOKEN, PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  server = await startServer({ config, logDestination: pino.destination({ dest: join(dir, 'server.log'), sync: true }) });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: readonly string[], url?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAdminCli([...args, ...(url === undefined ? [] : ['--server', url])], { ADMIN_TOKEN: TOKEN, YHTEISPOYTA_ADMIN_PASSPHRASE: PASS }, {
    out: (t) => (out += t), err: (t) => (err += t),
  }, { kdf: { N: MIN_KDF_N, r: 8, p: 1 } });
  return { code, out, err };
}

describe('the admin tool and the admin listener', () => {
  it('creates and lists organisations through the admin listener; the public listener refuses every admin command', async () => {
    const adminUrl = server.adminUrl ?? '';
    expect(adminUrl).not.toBe('');
    const rootFile = join(dir, 'root.key');
    expect((await cli(['init-root', '--out', rootFile])).code).toBe(0);
    // Through the public listener the admin API does not exist.
    const refused = await cli(['create-org', '--root', rootFile, '--name', 'Kela', '--out', join(dir, 'refused.key')], server.url);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/not_found|404/);
    expect((await cli(['list-orgs'], server.url)).code).not.toBe(0);
    // Through the admin listener everything works.
    const created = await cli(['create-org', '--root', rootFile, '--name', 'Kela', '--out', join(dir, 'kela.key')], adminUrl);
    expect(created.code, created.err).toBe(0);
    const listed = await cli(['list-orgs', '--json'], adminUrl);
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toContain('Kela');
  });
});
