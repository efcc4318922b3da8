import Database from '@signalapp/sqlcipher';
import type * as NodeFs from 'node:fs';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { DEFAULT_SCRYPT_PARAMS, WEAK_TEST_SCRYPT_PARAMS, deriveProfileKeys } from './kdf';
import { NEW_PROFILE_PAGE_SIZE, createProfile, listProfiles, openProfile, profileFiles } from './profile-db';
import { ProfileConnection } from './profile-connection';
import type { CreateProfileOptions, ProfileDb } from './profile-db';

// Counts fsync calls: a relaxed commit carrying a durable write must be synced after it.
const fsyncs = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof NodeFs>();
  return {
    ...fs,
    fsyncSync: (fd: number) => {
      fsyncs.count += 1;
      fs.fsyncSync(fd);
    },
  };
});

const weak: CreateProfileOptions = { unsafeWeakKdfForTests: true };
const PASS = 'oikea salasana';

let dir: string;
const opened: ProfileDb[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-profile-'));
});
afterEach(() => {
  for (const p of opened.splice(0)) p.close();
  rmSync(dir, { recursive: true, force: true });
});

async function create(name: string, passphrase = PASS, opts = weak): Promise<ProfileDb> {
  const result = await createProfile(dir, name, passphrase, opts);
  if (!result.ok) throw new Error(`create failed: ${result.error}`);
  opened.push(result.profile);
  return result.profile;
}

async function open(name: string, passphrase = PASS): Promise<ProfileDb> {
  const result = await openProfile(dir, name, passphrase);
  if (!result.ok) throw new Error(`open failed: ${result.error} (${result.detail})`);
  opened.push(result.profile);
  return result.profile;
}

/** Every file in `at` with its bytes and mtime, for "nothing changed" comparisons. */
function snapshot(at: string): Record<string, { bytes: string; mtimeMs: number; size: number }> {
  const out: Record<string, { bytes: string; mtimeMs: number; size: number }> = {};
  for (const file of readdirSync(at).sort()) {
    const path = join(at, file);
    const st = statSync(path);
    out[file] = { bytes: readFileSync(path).toString('base64'), mtimeMs: st.mtimeMs, size: st.size };
  }
  return out;
}

describe('createProfile / openProfile', () => {
  it('round-trips: data written before close is there after open', async () => {
    const created = await create('alice');
    created.setSetting('server', 'https://yhteispoyta.example');
    created.close();
    expect(created.isOpen).toBe(false);

    const reopened = await open('alice');
    expect(reopened.getSetting('server')).toBe('https://yhteispoyta.example');
    expect(reopened.getSetting('absent')).toBeUndefined();
    expect(reopened.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(listProfiles(dir)).toEqual(['alice']);
  });

  it('creates the database and sidecar readable by the owner only', async () => {
    (await create('alice')).close();
    const files = profileFiles(dir, 'alice');
    expect(statSync(files.db).mode & 0o777).toBe(0o600);
    expect(statSync(files.sidecar).mode & 0o777).toBe(0o600);
  });

  it('uses the slow default KDF unless the test option is given', async () => {
    const result = await createProfile(dir, 'slow', PASS);
    if (!result.ok) throw new Error(result.error);
    opened.push(result.profile);
    const sidecar = JSON.parse(readFileSync(profileFiles(dir, 'slow').sidecar, 'utf8')) as { kdf: Record<string, unknown> };
    expect(sidecar.kdf).toMatchObject({ algorithm: 'scrypt', ...DEFAULT_SCRYPT_PARAMS });

    (await create('fast')).close();
    const weakSidecar = JSON.parse(readFileSync(profileFiles(dir, 'fast').sidecar, 'utf8')) as { kdf: Record<string, unknown> };
    expect(weakSidecar.kdf).toMatchObject(WEAK_TEST_SCRYPT_PARAMS);
  });

  it('refuses invalid names, empty passphrases and existing profiles', async () => {
    for (const name of ['', ' Alice', '../x', 'a'.repeat(41), 'a/b', 'Anna\u202Eb']) {
      expect(await createProfile(dir, name, PASS, weak)).toEqual({ ok: false, error: 'invalid_name' });
      expect(await openProfile(dir, name, PASS)).toMatchObject({ ok: false, error: 'no_such_profile' });
    }
    expect(await createProfile(dir, 'bob', '', weak)).toEqual({ ok: false, error: 'empty_passphrase' });
    (await create('bob')).close();
    const before = snapshot(dir);
    expect(await createProfile(dir, 'bob', 'another', weak)).toEqual({ ok: false, error: 'exists' });
    expect(snapshot(dir)).toEqual(before);
    expect(await openProfile(dir, 'bob', 'another')).toMatchObject({ ok: false, error: 'wrong_passphrase' });
  });

  it('takes any human name, kept apart from its look-alikes and listed as it was given', async () => {
    for (const name of ['Sanna Virtanen', 'sanna virtanen', 'Åsa Öberg', "Jean-Luc O'Neil"]) (await create(name)).close();
    expect(listProfiles(dir)).toEqual(["Åsa Öberg", "Jean-Luc O'Neil", 'sanna virtanen', 'Sanna Virtanen']);
    // The files are named after an encoding of the name: no spaces or letters a file system might fold.
    expect(readdirSync(dir).filter((file) => file.endsWith('.profile.json')).every((file) => /^\+[0-9a-f]+\.profile\.json$/.test(file))).toBe(true);
    const opened = await openProfile(dir, 'Sanna Virtanen', PASS);
    expect(opened.ok).toBe(true);
    if (opened.ok) opened.profile.close();
    expect(await openProfile(dir, 'Sanna virtanen', PASS)).toMatchObject({ ok: false, error: 'no_such_profile' });
  });

  it('reports a profile that does not exist', async () => {
    expect(await openProfile(dir, 'nobody', PASS)).toMatchObject({ ok: false, error: 'no_such_profile' });
    expect(await openProfile(join(dir, 'absent-dir'), 'nobody', PASS)).toMatchObject({ ok: false, error: 'no_such_profile' });
    expect(listProfiles(join(dir, 'absent-dir'))).toEqual([]);
  });

  it('accepts the passphrase in either Unicode normal form', async () => {
    (await create('carol', 'pa\u0308iva\u0308')).close();
    (await open('carol', 'p\u00e4iv\u00e4')).close();
  });
});

describe('a wrong passphrase', () => {
  it('is refused and touches nothing on disk, also after a crash left a WAL behind', async () => {
    const live = await create('alice');
    live.setSetting('note', 'written while open');
    const files = profileFiles(dir, 'alice');
    expect(existsSync(files.wal)).toBe(true);

    // A crash image: the files exactly as they are on disk while the profile is open.
    const crashed = mkdtempSync(join(tmpdir(), 'yp-crashed-'));
    try {
      const target = profileFiles(crashed, 'alice');
      copyFileSync(files.db, target.db);
      copyFileSync(files.wal, target.wal);
      copyFileSync(files.sidecar, target.sidecar);
      // Our exclusive-mode connections keep the WAL index in memory, but a stale -shm
      // (e.g. left by a SQLite tool) is what a keyed open would rewrite: plant one.
      writeFileSync(target.shm, randomBytes(32768));
      live.close();

      const before = snapshot(crashed);
      expect(Object.keys(before)).toEqual(['alice.profile.db', 'alice.profile.db-shm', 'alice.profile.db-wal', 'alice.profile.json']);
      await new Promise((resolve) => setTimeout(resolve, 20)); // so a write would show in mtimes
      const result = await openProfile(crashed, 'alice', 'v\u00e4\u00e4r\u00e4 salasana');
      expect(result).toMatchObject({ ok: false, error: 'wrong_passphrase' });
      expect(snapshot(crashed)).toEqual(before);

      // The right passphrase recovers what was committed before the "crash".
      const recovered = await openProfile(crashed, 'alice', PASS);
      if (!recovered.ok) throw new Error(recovered.detail);
      expect(recovered.profile.getSetting('note')).toBe('written while open');
      recovered.profile.close();
    } finally {
      rmSync(crashed, { recursive: true, force: true });
    }
  });

  it('leaves a closed profile byte-identical', async () => {
    (await create('alice')).close();
    const before = snapshot(dir);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await openProfile(dir, 'alice', 'wrong')).toMatchObject({ ok: false, error: 'wrong_passphrase' });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('at rest', () => {
  it('keeps no plaintext in the database or WAL files', async () => {
    const marker = `CANARY-${toHex(randomBytes(8))}-kela-asiakas-0042`;
    const profile = await create('alice');
    profile.setSetting('canary', marker);
    const files = profileFiles(dir, 'alice');
    const walWhileOpen = readFileSync(files.wal);
    expect(walWhileOpen.byteLength).toBeGreaterThan(0);
    expect(walWhileOpen.includes(marker)).toBe(false);
    profile.close();
    expect(readFileSync(files.db).includes(marker)).toBe(false);
    expect(readFileSync(files.sidecar).includes(marker)).toBe(false);

    // The same write to an unkeyed database is visible to this scan, so the scan can fail.
    const plain = new Database(join(dir, 'plain.db'));
    plain.exec("CREATE TABLE settings (key TEXT, value TEXT); PRAGMA journal_mode = DELETE");
    plain.prepare('INSERT INTO settings VALUES (?, ?)').run(['canary', marker]);
    plain.close();
    expect(readFileSync(join(dir, 'plain.db')).includes(marker)).toBe(true);

    expect((await open('alice')).getSetting('canary')).toBe(marker);
  });
});

describe('page size', () => {
  it('makes new profiles with the small page size, recorded in the sidecar and used again on open', async () => {
    const created = await create('alice');
    expect(Number(created.db.pragma('page_size', { simple: true }))).toBe(NEW_PROFILE_PAGE_SIZE);
    created.setSetting('kept', 'yes');
    created.close();
    const sidecar = JSON.parse(readFileSync(profileFiles(dir, 'alice').sidecar, 'utf8')) as Record<string, unknown>;
    expect(sidecar).toMatchObject({ version: 2, cipherPageSize: NEW_PROFILE_PAGE_SIZE });

    const reopened = await open('alice');
    expect(Number(reopened.db.pragma('page_size', { simple: true }))).toBe(NEW_PROFILE_PAGE_SIZE);
    expect(reopened.getSetting('kept')).toBe('yes');
  });

  it('opens a profile made before page sizes were recorded (version 1 sidecar, 4 KiB pages)', async () => {
    // What an earlier agent wrote: the same schema in SQLCipher's default page size, and a
    // sidecar without one. Made from a current profile, re-encrypted under the same key.
    const made = await create('made');
    made.setSetting('from', 'before');
    made.close();
    const current = JSON.parse(readFileSync(profileFiles(dir, 'made').sidecar, 'utf8')) as Record<string, unknown> & { kdf: { salt: string } };
    const keys = await deriveProfileKeys(PASS, new Uint8Array(Buffer.from(current.kdf.salt, 'base64')), WEAK_TEST_SCRYPT_PARAMS);
    const key = `"x'${toHex(keys.databaseKey)}'"`;
    const files = profileFiles(dir, 'legacy');
    const source = new ProfileConnection(profileFiles(dir, 'made').db);
    source.exec(`PRAGMA key = ${key}`);
    source.exec(`PRAGMA cipher_page_size = ${String(NEW_PROFILE_PAGE_SIZE)}`);
    source.exec(`ATTACH DATABASE '${files.db}' AS legacy KEY ${key}`);
    source.exec('PRAGMA legacy.cipher_page_size = 4096');
    source.exec("SELECT sqlcipher_export('legacy')");
    // sqlcipher_export copies the schema and rows, not user_version (the core set's version).
    source.exec(`PRAGMA legacy.user_version = ${String(source.pragma('user_version', { simple: true }))}`);
    source.exec('DETACH DATABASE legacy');
    source.close();
    const v1: Record<string, unknown> = { ...current, version: 1 };
    delete v1.cipherPageSize;
    writeFileSync(files.sidecar, JSON.stringify(v1), { mode: 0o600 });

    const legacy = await open('legacy');
    expect(Number(legacy.db.pragma('page_size', { simple: true }))).toBe(4096);
    expect(legacy.getSetting('from')).toBe('before');
    legacy.setSetting('after', 'upgrade');
    legacy.close();
    expect((await open('legacy')).getSetting('after')).toBe('upgrade');
  });

  it('reports a database whose page size is not the one its sidecar names as corrupt', async () => {
    (await create('alice')).close();
    const path = profileFiles(dir, 'alice').sidecar;
    const sidecar = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...sidecar, cipherPageSize: 4096 }));
    expect(await openProfile(dir, 'alice', PASS)).toMatchObject({ ok: false, error: 'corrupt' });
  });
});

describe('refetchable transactions', () => {
  it('commit without a sync unless a durable transaction joins them; every other commit syncs', async () => {
    const profile = await create('alice');
    const synchronous = (): number => Number(profile.db.pragma('synchronous', { simple: true }));
    expect(synchronous()).toBe(2);
    const seen: number[] = [];

    profile.refetchableTransaction(() => {
      profile.setSetting('a', '1');
      seen.push(synchronous());
      profile.refetchableTransaction(() => seen.push(synchronous()));
      seen.push(synchronous());
    });
    expect(seen).toEqual([1, 1, 1]);
    expect(synchronous()).toBe(2);

    // A durable write inside cannot switch the mode (SQLite refuses inside a transaction):
    // the WAL is synced once the commit carrying it is done — and only then.
    seen.length = 0;
    const before = fsyncs.count;
    profile.refetchableTransaction(() => profile.setSetting('x', '0'));
    expect(fsyncs.count).toBe(before);
    profile.refetchableTransaction(() => {
      profile.transaction(() => profile.setSetting('b', '2'));
      seen.push(synchronous());
      expect(fsyncs.count).toBe(before);
    });
    expect(seen).toEqual([1]);
    expect(fsyncs.count).toBe(before + 1);
    expect(synchronous()).toBe(2);

    // Inside a durable transaction it is a savepoint of that one, which stays durable.
    seen.length = 0;
    profile.transaction(() => profile.refetchableTransaction(() => seen.push(synchronous())));
    expect(seen).toEqual([2]);

    // Rolled back: nothing of it stays, and the connection is durable again.
    expect(() =>
      profile.refetchableTransaction(() => {
        profile.setSetting('c', '3');
        throw new Error('undone');
      }),
    ).toThrow('undone');
    expect(synchronous()).toBe(2);
    expect(profile.getSetting('c')).toBeUndefined();
    profile.close();
    const reopened = await open('alice');
    expect([reopened.getSetting('a'), reopened.getSetting('b')]).toEqual(['1', '2']);
  });
});

describe('locking and damage', () => {
  it('refuses a second open while the profile is open', async () => {
    const first = await create('alice');
    expect(await openProfile(dir, 'alice', PASS)).toMatchObject({ ok: false, error: 'in_use' });
    first.setSetting('still', 'usable');
    first.close();
    expect((await open('alice')).getSetting('still')).toBe('usable');
  });

  it('reports a damaged or half-missing profile as corrupt', async () => {
    (await create('nosidecar')).close();
    rmSync(profileFiles(dir, 'nosidecar').sidecar);
    expect(await openProfile(dir, 'nosidecar', PASS)).toMatchObject({ ok: false, error: 'corrupt' });

    (await create('nodb')).close();
    rmSync(profileFiles(dir, 'nodb').db);
    expect(await openProfile(dir, 'nodb', PASS)).toMatchObject({ ok: false, error: 'corrupt' });

    (await create('badsidecar')).close();
    writeFileSync(profileFiles(dir, 'badsidecar').sidecar, '{"format":"yhteispoyta-profile"');
    expect(await openProfile(dir, 'badsidecar', PASS)).toMatchObject({ ok: false, error: 'corrupt' });

    (await create('garbage')).close();
    writeFileSync(profileFiles(dir, 'garbage').db, randomBytes(8192));
    expect(await openProfile(dir, 'garbage', PASS)).toMatchObject({ ok: false, error: 'corrupt' });
  });
});
