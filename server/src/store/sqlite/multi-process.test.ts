/**
 * The sqlite store's compare-and-sets across processes: several server processes may
 * share one database file, and BEGIN IMMEDIATE (with busy_timeout) must keep the rules.
 * Each child process is a real `node` running the store through tsx.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeUpload } from '../contract/context';
import { openSqliteStore } from './store';

const run = promisify(execFile);
const storeModule = fileURLToPath(new URL('./store.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'yp-sqlite-mp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `body` (an async JS snippet with `store` in scope) in a child process; returns its stdout JSON. */
async function inChild(path: string, body: string): Promise<unknown> {
  const script = `
    import { openSqliteStore } from ${JSON.stringify(storeModule)};
    const store = openSqliteStore({ path: ${JSON.stringify(path)} });
    const out = await (async () => { ${body} })();
    await store.close();
    process.stdout.write(JSON.stringify(out));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 });
  return JSON.parse(stdout);
}

describe('sqlite store shared by several processes', () => {
  it('hands out each one-time prekey once and keeps envelope clocks linear', async () => {
    const path = join(dir, 'shared.db');
    const setup = openSqliteStore({ path });
    await setup.directory.createOrg({ id: 'org1', name: 'Org', createdAt: 1 });
    await setup.directory.createUser({ id: 'alice', orgId: 'org1', role: 'social_worker', displayName: 'A', createdAt: 1 });
    expect(await setup.directory.registerDevice('alice', makeUpload(1, 40, 0), 1)).toEqual({ ok: true });
    await setup.close();

    // Three processes claim 20 bundles each and race to append clocks 1..20 of one author.
    const body = `
      const ids = [];
      const accepted = [];
      for (let i = 0; i < 20; i += 1) {
        const b = await store.directory.claimBundle({ userId: 'alice', deviceId: 1 });
        if (b && b.preKey) ids.push(b.preKey.id);
        for (let clock = 1; clock <= 20; clock += 1) {
          const r = await store.envelopes.appendEnvelope({ workspaceId: 'w', stream: 'chat', kind: 'chat', authorKey: 'alice.1',
            clock, snapshotId: '', epoch: 1, bytes: new Uint8Array([clock]), receivedAt: 1 });
          if (r.ok) accepted.push(clock);
        }
      }
      return { ids, accepted };`;
    const results = (await Promise.all([inChild(path, body), inChild(path, body), inChild(path, body)])) as {
      ids: number[];
      accepted: number[];
    }[];
    const ids = results.flatMap((r) => r.ids).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const accepted = results.flatMap((r) => r.accepted).sort((a, b) => a - b);
    expect(accepted).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    const check = openSqliteStore({ path });
    const stored = await check.envelopes.envelopesAfter('w', 'chat', 0, 100);
    await check.close();
    expect(stored.map((e) => e.clock)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
