/**
 * The storage contract on the sqlite adapter (a temp file per case, once without and once
 * with an at-rest key), plus what only sqlite has: encryption at rest and migrations.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from '@signalapp/sqlcipher';
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { describeStoreContract } from './contract';
import type { StoreInspector } from './contract';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { certificateColumns } from './certificate-columns';
import { createStore } from './create-store';
import type { Store } from './port';
import { MIGRATIONS } from './sqlite/schema';
import { openSqliteStore } from './sqlite/store';

const dir = mkdtempSync(join(tmpdir(), 'yp-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
const opened = new Map<Store, { path: string; key?: string }>();

/**
 * Run `use` on a second, raw connection to the store's file (what an attacker with the
 * file has, or another server process sharing it), closed afterwards.
 */
function withRawDb<T>(store: Store, use: (db: Database) => T): T {
  const where = opened.get(store);
  if (!where) throw new Error('unknown store');
  const db = new Database(where.path);
  try {
    if (where.key) db.exec(`PRAGMA key = "x'${where.key}'"`);
    db.exec('PRAGMA busy_timeout = 5000');
    return use(db);
  } finally {
    db.close();
  }
}

const inspector: StoreInspector = {
  async tamperAuditAction(store, seq, action) {
    withRawDb(store, (db) => db.prepare('UPDATE audit SET action = ? WHERE seq = ?').run([action, seq]));
  },
  async blobChunkCount(store) {
    const row = withRawDb(store, (db) => db.prepare('SELECT count(*) AS n FROM blob_chunks').get());
    return typeof row?.['n'] === 'number' ? row['n'] : -1;
  },
  async commitFromOutside(store) {
    withRawDb(store, (db) => db.prepare('UPDATE workspaces SET last_activity_at = last_activity_at + 1').run());
  },
  async forgetLog(store) {
    withRawDb(store, (db) => db.prepare('DELETE FROM log_leaves').run());
  },
};

function makeMaker(key?: string) {
  return async (): Promise<Store> => {
    counter += 1;
    const path = join(dir, `contract-${counter}.db`);
    const store = openSqliteStore({ path, ...(key ? { key } : {}) });
    opened.set(store, { path, ...(key ? { key } : {}) });
    return store;
  };
}

async function cleanup(store: Store): Promise<void> {
  await store.close();
  const where = opened.get(store);
  opened.delete(store);
  if (where) for (const suffix of ['', '-wal', '-shm']) rmSync(where.path + suffix, { force: true });
}

describeStoreContract('sqlite', makeMaker(), cleanup, inspector);
describeStoreContract('sqlite with at-rest key', makeMaker(toHex(randomBytes(32))), cleanup, inspector);

/** Every byte of the database file and its WAL, as latin1 text for substring search. */
function fileText(path: string): string {
  return ['', '-wal']
    .filter((suffix) => existsSync(path + suffix))
    .map((suffix) => readFileSync(path + suffix).toString('latin1'))
    .join('');
}

describe('sqlite at rest', () => {
  it('an unkeyed file shows a planted marker, a keyed file does not', async () => {
    const marker = `CANARY-${toHex(randomBytes(8))}`;
    const key = toHex(randomBytes(32));
    for (const [name, withKey] of [['plain', undefined], ['keyed', key]] as const) {
      const path = join(dir, `${name}.db`);
      const store = await createStore({ kind: 'sqlite', path, ...(withKey ? { key: withKey } : {}) });
      await store.directory.createOrg({ id: 'org1', name: marker, createdAt: 1 });
      await store.audit.appendAudit({ at: 1, actor: null, action: 'enrol', detail: { note: marker } });
      // Checked while open (data may sit in the WAL) and after close (checkpointed).
      expect(fileText(path).includes(marker)).toBe(withKey === undefined);
      await store.close();
      expect(fileText(path).includes(marker)).toBe(withKey === undefined);
    }
    const reopened = openSqliteStore({ path: join(dir, 'keyed.db'), key });
    expect((await reopened.directory.getOrg('org1'))?.name).toBe(marker);
    await reopened.close();
  });

  it('refuses a wrong or missing key and a malformed one', () => {
    const path = join(dir, 'keyed.db');
    expect(() => openSqliteStore({ path, key: toHex(randomBytes(32)) })).toThrow();
    expect(() => openSqliteStore({ path })).toThrow();
    expect(() => openSqliteStore({ path, key: 'abc' })).toThrow(RangeError);
  });

  it('never keeps a session token in plaintext', async () => {
    const path = join(dir, 'secrets.db');
    const store = openSqliteStore({ path });
    const token = `TOKEN-${toHex(randomBytes(16))}`;
    await store.auth.createSession({ token, device: { userId: 'u', deviceId: 1 }, createdAt: 1, expiresAt: 10 });
    await store.close();
    expect(fileText(path).includes(token)).toBe(false);
  });

  it('moves every workspace sequence one group commit ahead on open: a seq fanned out before a lost commit is never reused', async () => {
    const path = join(dir, 'seq-jump.db');
    const envelope = (clock: number) => ({
      workspaceId: 'w', stream: 'chat', kind: 'chat' as const, authorKey: 'a.1', clock, snapshotId: '', epoch: 1,
      bytes: new Uint8Array([clock]), receivedAt: clock,
    });
    const first = openSqliteStore({ path });
    const fannedOut: number[] = [];
    const before = await first.envelopes.appendEnvelope(envelope(1), (seq) => fannedOut.push(seq));
    await first.close();
    const second = openSqliteStore({ path });
    const after = await second.envelopes.appendEnvelope(envelope(2));
    await second.close();
    expect(before.ok && fannedOut).toEqual(before.ok ? [before.seq] : false);
    // A killed server may have fanned out up to one batch (256) beyond what it committed.
    expect(before.ok && after.ok && after.seq - before.seq).toBeGreaterThan(256);
  });

  it('migrates once: reopening keeps data and records one version per migration', async () => {
    const path = join(dir, 'migrate.db');
    const first = openSqliteStore({ path });
    await first.directory.createOrg({ id: 'o', name: 'n', createdAt: 1 });
    await first.close();
    const second = openSqliteStore({ path });
    expect(await second.directory.listOrgs()).toHaveLength(1);
    await second.close();
    const db = new Database(path);
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
    db.close();
    expect(versions).toEqual(MIGRATIONS.map((_m, i) => ({ version: i + 1 })));
  });

  it('migrates a version-4 file: a workspace label stored before is gone, the workspace stays', async () => {
    const path = join(dir, 'v4.db');
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const m of MIGRATIONS.slice(0, 4)) old.exec(m);
    old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1), (2, 1), (3, 1), (4, 1)').run();
    old.prepare("INSERT INTO workspaces (id, kind, label, created_at, last_activity_at) VALUES ('w1', 'case', 'Matti M. – lastensuojeluilmoitus', 1, 2)").run();
    old.close();
    const store = openSqliteStore({ path });
    expect(await store.workspaces.getWorkspace('w1')).toEqual({ id: 'w1', kind: 'case', createdAt: 1, lastActivityAt: 2 });
    await store.close();
    const reopened = new Database(path);
    expect(reopened.prepare('SELECT name FROM pragma_table_info(?)', { pluck: true }).all(['workspaces'])).not.toContain('label');
    reopened.close();
    // Nor does the text linger in the file.
    expect(readFileSync(path).includes(Buffer.from('lastensuojeluilmoitus'))).toBe(false);
  });

  it('migrates a version-3 file: its blobs count as confirmed (never purged as unreferenced) and as nobody\'s uploads', async () => {
    const path = join(dir, 'v3.db');
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const m of MIGRATIONS.slice(0, 3)) old.exec(m);
    old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1), (2, 1), (3, 1)').run();
    old.prepare("INSERT INTO blobs (id, workspace_id, size, sha256, created_at, complete) VALUES ('b1', 'w1', 3, 'abc', 7, 1)").run();
    old.prepare("INSERT INTO blob_chunks (blob_id, n, data) VALUES ('b1', 0, X'010203')").run();
    old.close();
    const store = openSqliteStore({ path });
    expect(await store.blobs.purgeUnconfirmedBlobs(Number.MAX_SAFE_INTEGER)).toBe(0);
    expect((await store.blobs.getBlob('w1', 'b1'))?.info).toMatchObject({ uploadedBy: '', confirmedAt: 7, size: 3 });
    expect(await store.blobs.blobUsage({ workspaceId: 'w1' })).toEqual({ bytes: 3, count: 1 });
    await store.close();
  });

  it('migrates a version-2 file: its certificates stay and join the transparency log, in stored order, when the server appends them', async () => {
    const path = join(dir, 'v2.db');
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    old.exec(MIGRATIONS[0] ?? '');
    old.exec(MIGRATIONS[1] ?? '');
    old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1), (2, 1)').run();
    const ca = new TestAuthority();
    const org = ca.org('kela');
    const anna = ca.professional(org, 'anna');
    const certificates = [anna.cert, org.cert];
    for (const cert of certificates) {
      const c = certificateColumns(cert);
      old.prepare('INSERT INTO certificates (id, type, user_id, org_id, device_id, json, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run([c.id, c.type, c.userId ?? null, c.orgId ?? null, c.deviceId ?? null, c.json, 5]);
    }
    old.close();
    const store = openSqliteStore({ path });
    expect(await store.certificates.log.size()).toBe(0);
    expect(await store.certificates.log.appendUnlogged()).toBe(2);
    expect((await store.certificates.log.entries(0, 10)).map((e) => e.certificate)).toEqual(certificates);
    expect(await store.certificates.log.appendUnlogged()).toBe(0);
    await store.close();
  });

  it('migrates a version-1 file: organisations stay (without a certificate), hashed codes go', async () => {
    const path = join(dir, 'v1.db');
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    old.exec(MIGRATIONS[0] ?? '');
    old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1)').run();
    old.prepare("INSERT INTO orgs (id, name, created_at) VALUES ('o', 'Vanha', 1)").run();
    old.prepare("INSERT INTO codes (code_hash, kind, user_id, detail, created_at, expires_at) VALUES ('h', 'enrolment', 'u', '{}', 1, 99)").run();
    old.close();
    const store = openSqliteStore({ path });
    expect(await store.directory.listOrgs()).toEqual([{ id: 'o', name: 'Vanha', createdAt: 1 }]);
    expect(await store.auth.consumeCode('h', 'enrolment', 2)).toEqual({ ok: false, code: 'not_found' });
    expect(await store.certificates.getRoot()).toBeNull();
    await store.close();
  });
});
