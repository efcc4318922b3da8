/**
 * The `sync` migrations on a profile that already holds queued changes: the outbox rebuilt
 * for records events keeps every queued row and never reuses an id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineMigrations } from '../profile/migrations';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { SYNC_MIGRATIONS } from './sync-schema';

let dir: string | undefined;
let profile: ProfileDb | undefined;

afterEach(() => {
  profile?.close();
  profile = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('SYNC_MIGRATIONS', () => {
  it('lets the outbox queue records events, keeping queued rows and the id sequence', async () => {
    dir = mkdtempSync(join(tmpdir(), 'yp-sync-schema-'));
    const created = await createProfile(dir, 'p', 'salasana', { unsafeWeakKdfForTests: true });
    if (!created.ok) throw new Error(created.error);
    profile = created.profile;
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
});
