import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { WEAK_TEST_SCRYPT_PARAMS } from './kdf';
import { LEGACY_CIPHER_PAGE_SIZE, encodeSidecar, readSidecar, writeNewSidecar } from './sidecar';
import type { ProfileSidecar } from './sidecar';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-sidecar-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function sample(): ProfileSidecar {
  return {
    kdf: { algorithm: 'scrypt', ...WEAK_TEST_SCRYPT_PARAMS, salt: randomBytes(16) },
    keyCheck: randomBytes(32),
    createdAt: 1_700_000_000_000,
    cipherPageSize: 1024,
  };
}

describe('sidecar', () => {
  it('round-trips through the file', () => {
    const path = join(dir, 'a.profile.json');
    const written = sample();
    expect(writeNewSidecar(path, written)).toBe(true);
    const read = readSidecar(path);
    if (!read.ok) throw new Error(read.detail);
    expect(toHex(read.sidecar.kdf.salt)).toBe(toHex(written.kdf.salt));
    expect(toHex(read.sidecar.keyCheck)).toBe(toHex(written.keyCheck));
    expect(read.sidecar.kdf.N).toBe(WEAK_TEST_SCRYPT_PARAMS.N);
    expect(read.sidecar.createdAt).toBe(written.createdAt);
    expect(read.sidecar.cipherPageSize).toBe(1024);
  });

  it('reads a version 1 sidecar (written before page sizes were recorded) as SQLCipher default pages', () => {
    const { cipherPageSize: _, ...v2 } = JSON.parse(encodeSidecar(sample())) as Record<string, unknown>;
    const path = join(dir, 'old.profile.json');
    writeFileSync(path, JSON.stringify({ ...v2, version: 1 }));
    const read = readSidecar(path);
    if (!read.ok) throw new Error(read.detail);
    expect(read.sidecar.cipherPageSize).toBe(LEGACY_CIPHER_PAGE_SIZE);
  });

  it('refuses to replace an existing sidecar and leaves no temporary file', () => {
    const path = join(dir, 'a.profile.json');
    expect(writeNewSidecar(path, sample())).toBe(true);
    const before = readFileSync(path);
    expect(writeNewSidecar(path, sample())).toBe(false);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['a.profile.json']);
  });

  it('reports a missing file as missing', () => {
    const read = readSidecar(join(dir, 'none.profile.json'));
    expect(read).toMatchObject({ ok: false, error: 'missing' });
  });

  it('reports hostile contents as invalid without throwing', () => {
    const good = JSON.parse(encodeSidecar(sample())) as Record<string, unknown>;
    const hostile: string[] = [
      'not json',
      '[]',
      'null',
      JSON.stringify({ ...good, version: 3 }),
      JSON.stringify({ ...good, cipherPageSize: 1000 }),
      JSON.stringify({ ...good, cipherPageSize: 256 }),
      JSON.stringify({ ...good, cipherPageSize: 131072 }),
      JSON.stringify({ ...good, cipherPageSize: '1024' }),
      JSON.stringify({ ...good, cipherPageSize: undefined }),
      JSON.stringify({ ...good, format: 'other' }),
      JSON.stringify({ ...good, keyCheck: 'AAAA' }),
      JSON.stringify({ ...good, keyCheck: '!!!' }),
      JSON.stringify({ ...good, kdf: { ...(good.kdf as object), N: 3 } }),
      JSON.stringify({ ...good, kdf: { ...(good.kdf as object), algorithm: 'argon2id' } }),
      JSON.stringify({ ...good, kdf: { ...(good.kdf as object), salt: toHex(randomBytes(16)) } }),
      JSON.stringify({ ...good, createdAt: -1 }),
      ' '.repeat(5000),
    ];
    for (const [index, text] of hostile.entries()) {
      const path = join(dir, `h${index}.profile.json`);
      writeFileSync(path, text);
      expect(readSidecar(path), text.slice(0, 80)).toMatchObject({ ok: false, error: 'invalid' });
    }
  });
});
