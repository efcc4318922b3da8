import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logKeyToPem, generateLogKey, logPublicKey } from '@yhteispoyta/crypto/transparency/log-key';
import { loadLogKey, LogKeyError } from './key-file';

const dir = mkdtempSync(join(tmpdir(), 'yp-log-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the log key file', () => {
  it('is created on the first start (0600, its new folder 0700) and read, unchanged, on every later one', () => {
    const path = join(dir, 'fresh', 'log-key.pem');
    const first = loadLogKey({ kind: 'file', path });
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'fresh')).mode & 0o777).toBe(0o700);
    const again = loadLogKey({ kind: 'file', path });
    expect(again.created).toBe(false);
    expect(logPublicKey(again.key)).toEqual(logPublicKey(first.key));
    expect(readFileSync(path, 'utf8')).toBe(logKeyToPem(first.key));
  });

  it('uses a key the operator put there', () => {
    const path = join(dir, 'given.pem');
    const key = generateLogKey();
    writeFileSync(path, logKeyToPem(key), { mode: 0o600 });
    expect(logPublicKey(loadLogKey({ kind: 'file', path }).key)).toEqual(logPublicKey(key));
  });

  it('stops the start with a readable error when the file is not an Ed25519 key or cannot be read', () => {
    const path = join(dir, 'garbage.pem');
    writeFileSync(path, 'not a key\n');
    expect(() => loadLogKey({ kind: 'file', path })).toThrow(LogKeyError);
    expect(() => loadLogKey({ kind: 'file', path })).toThrow(/does not hold an Ed25519 private key/);
    const folder = join(dir, 'a-folder.pem');
    mkdirSync(folder);
    expect(() => loadLogKey({ kind: 'file', path: folder })).toThrow(/cannot read the log key file/);
    writeFileSync(join(dir, 'file'), '');
    expect(() => loadLogKey({ kind: 'file', path: join(dir, 'file', 'log-key.pem') })).toThrow(/cannot (read|create) the log key file/);
  });

  it('an in-memory store gets a fresh key each time', () => {
    const one = loadLogKey({ kind: 'ephemeral' });
    const two = loadLogKey({ kind: 'ephemeral' });
    expect(logPublicKey(one.key)).not.toEqual(logPublicKey(two.key));
  });
});
