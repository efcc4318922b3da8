/**
 * The `sync` migrations on a profile that already holds queued changes and document
 * updates: the outbox rebuilt for records events keeps every queued row and never reuses
 * an id; the document updates rebuilt without AUTOINCREMENT, and then as a table clustered
 * by stream, keep their rows and order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineMigrations } from '../profile/migrations';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { DocStore } from './doc-store';
import { SYNC_MIGRATIONS } from './sync-schema';

let dir: string | undefined;
let profile: ProfileDb | undefined;

afterEach(() => {
  profile?.close();
  profile = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A new empty profile in a directory of its own (closed and removed after the test). */
async function newProfile(): Promise<ProfileDb> {
  dir = mkdtempSync(join(tmpdir(), 'yp-sync-schema-'));
  const created = await createProfile(dir, 'p', 'salasana', { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  return created.profile;
}

describe('SYNC_MIGRATIONS', () => {
  it('lets the outbox queue records events, keeping queued rows and the id sequence', async () => {
    profile = await newProfile();
    const [first] = SYNC_MIGRATIONS.steps;
    if (first === undefined) throw new Error('no first step');
    profile.migrate(defineMigrations('sync', [first]));
    const insert = (kind: string) =>
      profile?.db.prepare('INSERT INTO sync_outbox (workspace_id, stream, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)').run(['w', 's', kind, new Uint8Array([1]), 5]);
    insert('chat');
    insert('update');
    insert('update');
    profile.db.prepare('DELETE FROM sync_outbox WHERE id = 3').run([]);
    expect(() => insert('records')).toThrow(/CHECK/);

    profile.migrate(SYNC_MIGRATIONS);
    expect(profile.db.prepare('SELECT id, kind FROM sync_outbox ORDER BY id').all([])).toEqual([
      { id: 1, kind: 'chat' },
      { id: 2, kind: 'update' },
    ]);
    // The next id continues after the highest ever used (3), as AUTOINCREMENT promised before.
    expect(insert('records')?.lastInsertRowid).toBe(4);
    expect(() => insert('presence')).toThrow(/CHECK/);
  });

  it('keeps stored document updates in their order without AUTOINCREMENT, and an insert no longer writes sqlite_sequence', async () => {
    profile = await newProfile();
    const db = profile.db;
    profile.migrate(defineMigrations('sync', SYNC_MIGRATIONS.steps.slice(0, 2)));
    const insert = (stream: string, byte: number) =>
      db.prepare('INSERT INTO sync_doc_updates (workspace_id, stream, data) VALUES (?, ?, ?)').run(['w', stream, new Uint8Array([byte])]);
    for (const [stream, byte] of [['doc:plan', 1], ['doc:m1', 2], ['doc:plan', 3], ['doc:plan', 4]] as const) insert(stream, byte);
    const sequence = () => db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'sync_doc_updates'", { pluck: true }).get([]);
    expect(sequence()).toBe(4);

    profile.migrate(defineMigrations('sync', SYNC_MIGRATIONS.steps.slice(0, 3)));
    const rows = () => db.prepare("SELECT id, hex(data) AS data FROM sync_doc_updates WHERE workspace_id = 'w' AND stream = 'doc:plan' ORDER BY id").all([]);
    expect(rows()).toEqual([
      { id: 1, data: '01' },
      { id: 3, data: '03' },
      { id: 4, data: '04' },
    ]);
    expect(sequence()).toBeUndefined();
    expect(insert('doc:plan', 5).lastInsertRowid).toBe(5);
    expect(sequence()).toBeUndefined();
    expect(rows().map((r) => (r as { id: number }).id)).toEqual([1, 3, 4, 5]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sync_doc_updates'", { pluck: true }).all([])).toEqual([
      'sync_doc_updates_stream',
    ]);
  });

  it('clusters document updates by stream: rows and order kept, no index beside them, and an append goes after its stream\'s last', async () => {
    profile = await newProfile();
    const db = profile.db;
    profile.migrate(defineMigrations('sync', SYNC_MIGRATIONS.steps.slice(0, 3)));
    const insert = db.prepare('INSERT INTO sync_doc_updates (workspace_id, stream, data) VALUES (?, ?, ?)');
    for (const [stream, byte] of [['doc:plan', 1], ['doc:m1', 2], ['doc:plan', 3], ['doc:m1', 4], ['doc:plan', 5]] as const) {
      insert.run(['w', stream, new Uint8Array([byte])]);
    }
    db.prepare("DELETE FROM sync_doc_updates WHERE data = x'03'").run([]);

    profile.migrate(SYNC_MIGRATIONS);
    const rows = (stream: string) =>
      db.prepare("SELECT id, hex(data) AS data FROM sync_doc_updates WHERE workspace_id = 'w' AND stream = ? ORDER BY id").all([stream]);
    expect(rows('doc:plan')).toEqual([
      { id: 1, data: '01' },
      { id: 5, data: '05' },
    ]);
    expect(rows('doc:m1')).toEqual([
      { id: 2, data: '02' },
      { id: 4, data: '04' },
    ]);
    const sql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'sync_doc_updates'", { pluck: true }).get([]);
    expect(String(sql)).toMatch(/WITHOUT ROWID/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sync_doc_updates' AND sql IS NOT NULL", { pluck: true }).all([])).toEqual([]);
    const store = new DocStore(profile);
    store.append('w', 'doc:plan', new Uint8Array([6]));
    store.append('w', 'doc:new', new Uint8Array([7]));
    expect(rows('doc:plan')).toEqual([
      { id: 1, data: '01' },
      { id: 5, data: '05' },
      { id: 6, data: '06' },
    ]);
    expect(rows('doc:new')).toEqual([{ id: 1, data: '07' }]);
    expect(store.load('w', 'doc:plan').map((u) => [...u])).toEqual([[1], [5], [6]]);
  });
});
