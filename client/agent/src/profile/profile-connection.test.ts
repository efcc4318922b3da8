import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from '@signalapp/sqlcipher';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProfileConnection } from './profile-connection';

const open: ProfileConnection[] = [];
const dirs: string[] = [];

function connection(): ProfileConnection {
  const dir = mkdtempSync(join(tmpdir(), 'yp-conn-'));
  dirs.push(dir);
  const db = new ProfileConnection(join(dir, 'p.db'));
  open.push(db);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
  db.exec("INSERT INTO t (name) VALUES ('a'), ('b')");
  return db;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const db of open.splice(0)) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('ProfileConnection', () => {
  it('compiles a statement once per text and result shape, and answers from it after', () => {
    const db = connection();
    const driver = vi.spyOn(Database.prototype, 'prepare');
    const sql = 'SELECT name FROM t WHERE id = ?';
    const rows = db.prepare(sql);
    expect(db.prepare(sql)).toBe(rows);
    expect(rows.get([1])).toEqual({ name: 'a' });
    const plucked = db.prepare(sql, { pluck: true });
    expect(plucked).not.toBe(rows);
    expect(db.prepare(sql, { pluck: true })).toBe(plucked);
    expect(plucked.get([2])).toBe('b');
    // One compilation by the driver per shape; the repeats never reached it.
    expect(driver).toHaveBeenCalledTimes(2);
  });

  it('leaves one-off and big-integer statements to the driver', () => {
    const db = connection();
    const driver = vi.spyOn(Database.prototype, 'prepare');
    const sql = 'SELECT count(*) FROM t';
    const once = db.prepare(sql, { persistent: false, pluck: true });
    expect(once.get()).toBe(2);
    expect(db.prepare(sql, { bigint: true, pluck: true }).get()).toBe(2n);
    db.prepare(sql, { bigint: true, pluck: true });
    expect(driver).toHaveBeenCalledTimes(3);
  });

  it('runs transactions through its statements, committing and rolling back', () => {
    const db = connection();
    db.transaction(() => db.prepare('INSERT INTO t (name) VALUES (?)').run(['c']))();
    expect(() =>
      db.transaction(() => {
        db.prepare('INSERT INTO t (name) VALUES (?)').run(['d']);
        throw new Error('undo');
      })(),
    ).toThrow('undo');
    expect(db.prepare('SELECT name FROM t ORDER BY id', { pluck: true }).all()).toEqual(['a', 'b', 'c']);
  });
});
