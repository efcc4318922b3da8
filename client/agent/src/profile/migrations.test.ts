import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CORE_MIGRATION_SET_NAME, defineMigrations, schemaVersion } from './migrations';
import { createProfile, openProfile } from './profile-db';
import type { ProfileDb } from './profile-db';
import { PROFILE_MIGRATIONS } from './schema';

const PASS = 'salasana';
let dir: string;
const opened: ProfileDb[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-migrations-'));
});
afterEach(() => {
  for (const p of opened.splice(0)) p.close();
  rmSync(dir, { recursive: true, force: true });
});

async function createAlice(): Promise<ProfileDb> {
  const result = await createProfile(dir, 'alice', PASS, { unsafeWeakKdfForTests: true });
  if (!result.ok) throw new Error(result.error);
  opened.push(result.profile);
  return result.profile;
}

async function openAlice(migrations = [] as Parameters<typeof defineMigrations>[1][]): Promise<ProfileDb> {
  const result = await openProfile(dir, 'alice', PASS, { migrations: migrations.map((steps) => defineMigrations('queue', steps)) });
  if (!result.ok) throw new Error(`${result.error}: ${result.detail}`);
  opened.push(result.profile);
  return result.profile;
}

function tables(profile: ProfileDb): string[] {
  return profile.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", { pluck: true })
    .all()
    .map(String);
}

const queueV1 = ['CREATE TABLE queue (id INTEGER PRIMARY KEY, body BLOB NOT NULL) STRICT'];
const queueV2 = [...queueV1, 'ALTER TABLE queue ADD COLUMN stream TEXT'];

describe('core schema', () => {
  it('creates the profile tables and records its version in user_version', async () => {
    const profile = await createAlice();
    expect(schemaVersion(profile.db, CORE_MIGRATION_SET_NAME)).toBe(PROFILE_MIGRATIONS.steps.length);
    expect(tables(profile)).toEqual([
      'device_identity',
      'kyber_prekey_uses',
      'kyber_prekeys',
      'one_time_prekeys',
      'prekey_id_high_water',
      'profile_migrations',
      'remote_identities',
      'sessions',
      'settings',
      'signed_prekeys',
    ]);
  });
});

describe('module migration sets', () => {
  it('apply once, in order, and resume with appended steps on a later open', async () => {
    const profile = await createAlice();
    expect(profile.migrate(defineMigrations('queue', queueV1))).toBe(1);
    expect(profile.migrate(defineMigrations('queue', queueV1))).toBe(0);
    profile.db.prepare('INSERT INTO queue (body) VALUES (?)').run([new Uint8Array([1, 2, 3])]);
    profile.close();

    const reopened = await openAlice([queueV2]);
    expect(schemaVersion(reopened.db, 'queue')).toBe(2);
    const row = reopened.db.prepare('SELECT body, stream FROM queue').get();
    expect(row?.stream).toBeNull();
    expect([...(row?.body as Uint8Array)]).toEqual([1, 2, 3]);
  });

  it('roll back a failing step with its version bump', async () => {
    const profile = await createAlice();
    const broken = defineMigrations('queue', [...queueV1, 'CREATE TABLE half (x INTEGER); CREATE TABLE broken (']);
    expect(() => profile.migrate(broken)).toThrow();
    expect(schemaVersion(profile.db, 'queue')).toBe(1);
    expect(tables(profile)).toContain('queue');
    expect(tables(profile)).not.toContain('half');
  });

  it('run function steps inside the same transaction', async () => {
    const profile = await createAlice();
    const set = defineMigrations('queue', [
      ...queueV1,
      (db) => {
        db.prepare('INSERT INTO queue (body) VALUES (?)').run([new Uint8Array([9])]);
      },
    ]);
    expect(profile.migrate(set)).toBe(2);
    expect(profile.db.prepare('SELECT count(*) FROM queue', { pluck: true }).get()).toBe(1);
  });

  it('refuse to open a profile whose schema is newer than this code', async () => {
    const profile = await createAlice();
    profile.migrate(defineMigrations('queue', queueV2));
    profile.close();
    expect(await openProfile(dir, 'alice', PASS, { migrations: [defineMigrations('queue', queueV1)] })).toMatchObject({
      ok: false,
      error: 'newer_schema',
    });

    const again = await openAlice();
    again.db.exec(`PRAGMA user_version = ${PROFILE_MIGRATIONS.steps.length + 1}`);
    again.close();
    expect(await openProfile(dir, 'alice', PASS)).toMatchObject({ ok: false, error: 'newer_schema' });
  });

  it('validate set names and keep the core set out of module hands', async () => {
    expect(() => defineMigrations('Queue', queueV1)).toThrow(RangeError);
    expect(() => defineMigrations('', queueV1)).toThrow(RangeError);
    const profile = await createAlice();
    expect(() => profile.migrate(PROFILE_MIGRATIONS)).toThrow(RangeError);
  });
});
