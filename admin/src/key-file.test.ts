import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminError } from './errors';
import { DEFAULT_KDF, KeyFile, MIN_KDF_N } from './key-file';
import { loadRootKey, saveRootKey, createRoot } from './root-key';

const cheap = { kdf: { N: MIN_KDF_N, r: 8, p: 1 } };
const PASS = 'correct horse battery staple';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admin-key-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectAdminError(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AdminError);
  expect((error as AdminError).code).toBe(code);
}

describe('key files', () => {
  it('round-trip a payload, 0600, with no temp file left behind', async () => {
    const path = join(dir, 'x.key');
    await KeyFile.create(path, 'org', { hello: 'wörld', n: [1, 2] }, PASS, cheap);
    const { file, payload } = await KeyFile.open(path, 'org', PASS);
    expect(payload).toEqual({ hello: 'wörld', n: [1, 2] });
    expect(file.kind).toBe('org');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['x.key']);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('wörld');
    const envelope = JSON.parse(text) as { format: string; v: number; kind: string; kdf: { N: number } };
    expect(envelope).toMatchObject({ format: 'yhteispoyta-admin-key', v: 1, kind: 'org', kdf: { N: MIN_KDF_N } });
  });

  it('uses a strong scrypt cost unless told otherwise', () => {
    expect(DEFAULT_KDF.N).toBeGreaterThanOrEqual(2 ** 17);
  });

  it('a root key survives the round trip and keeps its fingerprint', async () => {
    const path = join(dir, 'root.key');
    const root = createRoot();
    await saveRootKey(path, root, PASS, cheap);
    const loaded = await loadRootKey(path, PASS);
    expect(loaded.publicKey).toBe(root.publicKey);
    expect(loaded.fingerprint).toBe(root.fingerprint);
    expect(Buffer.from(loaded.privateKey.serialize())).toEqual(Buffer.from(root.privateKey.serialize()));
    expect(await readFile(path, 'utf8')).not.toContain(Buffer.from(root.privateKey.serialize()).toString('base64'));
  });

  it('a wrong passphrase is a typed error and touches nothing (bytes, mtime, folder)', async () => {
    const path = join(dir, 'x.key');
    const file = await KeyFile.create(path, 'org', { a: 1 }, PASS, cheap);
    const before = await readFile(path);
    const mtimeBefore = (await stat(path)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expectAdminError(KeyFile.open(path, 'org', 'not the passphrase at all'), 'wrong_passphrase');
    expect(await readFile(path)).toEqual(before);
    expect((await stat(path)).mtimeMs).toBe(mtimeBefore);
    expect(await readdir(dir)).toEqual(['x.key']);
    expect(file.path).toBe(path);
  });

  it('refuses a corrupt, truncated or tampered file', async () => {
    const path = join(dir, 'x.key');
    await KeyFile.create(path, 'org', { a: 1 }, PASS, cheap);
    const good = await readFile(path, 'utf8');
    const envelope = JSON.parse(good) as Record<string, unknown> & { kdf: Record<string, unknown>; ciphertext: string };

    await writeFile(path, good.slice(0, good.length / 2));
    await expectAdminError(KeyFile.open(path, 'org', PASS), 'corrupt_key_file');
    await writeFile(path, JSON.stringify({ ...envelope, v: 2 }));
    await expectAdminError(KeyFile.open(path, 'org', PASS), 'corrupt_key_file');
    // A cost below the floor is refused before any derivation (an attacker lowering it).
    await writeFile(path, JSON.stringify({ ...envelope, kdf: { ...envelope.kdf, N: 1024 } }));
    await expectAdminError(KeyFile.open(path, 'org', PASS), 'corrupt_key_file');
    // The clear header is authenticated: raising the cost or flipping the kind fails the tag.
    await writeFile(path, JSON.stringify({ ...envelope, kdf: { ...envelope.kdf, N: MIN_KDF_N * 2 } }));
    await expectAdminError(KeyFile.open(path, 'org', PASS), 'wrong_passphrase');
    await writeFile(path, JSON.stringify({ ...envelope, kind: 'root' }));
    await expectAdminError(KeyFile.open(path, 'root', PASS), 'wrong_passphrase');
    const flipped = Buffer.from(envelope.ciphertext, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    await writeFile(path, JSON.stringify({ ...envelope, ciphertext: flipped.toString('base64') }));
    await expectAdminError(KeyFile.open(path, 'org', PASS), 'wrong_passphrase');
    await writeFile(path, 'not json');
    await expectAdminError(KeyFile.open(path, 'org', PASS), 'corrupt_key_file');
    await expectAdminError(KeyFile.open(join(dir, 'missing.key'), 'org', PASS), 'io');
  });

  it('refuses the other kind, an existing file and a short passphrase', async () => {
    const path = join(dir, 'root.key');
    await saveRootKey(path, createRoot(), PASS, cheap);
    await expectAdminError(KeyFile.open(path, 'org', PASS), 'wrong_key_kind');
    const before = await readFile(path);
    await expectAdminError(saveRootKey(path, createRoot(), PASS, cheap), 'file_exists');
    expect(await readFile(path)).toEqual(before);
    await expectAdminError(KeyFile.create(join(dir, 'weak.key'), 'org', {}, 'short', cheap), 'weak_passphrase');
    expect((await readdir(dir)).sort()).toEqual(['root.key']);
  });

  it('updates atomically under its lock and re-reads what another handle wrote', async () => {
    const path = join(dir, 'x.key');
    const first = await KeyFile.create(path, 'org', { count: 0 }, PASS, cheap);
    const { file: second } = await KeyFile.open(path, 'org', PASS);
    const bump = (file: KeyFile) =>
      file.update((payload) => {
        const count = (payload as { count: number }).count + 1;
        return { payload: { count }, result: count };
      });
    const results = await Promise.all([bump(first), bump(second), bump(first), bump(second)]);
    expect(results.sort()).toEqual([1, 2, 3, 4]);
    expect(await first.read()).toEqual({ count: 4 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['x.key']);
    // A change that throws leaves the file as it was.
    const before = await readFile(path);
    await expect(first.update(() => {
      throw new AdminError('invalid_input', 'no');
    })).rejects.toThrow('no');
    expect(await readFile(path)).toEqual(before);
  });

  it('breaks a lock left by a dead process', async () => {
    const path = join(dir, 'x.key');
    const file = await KeyFile.create(path, 'org', { a: 1 }, PASS, cheap);
    await writeFile(`${path}.lock`, '999999999');
    await file.update(() => ({ payload: { a: 2 }, result: undefined }));
    expect(await file.read()).toEqual({ a: 2 });
    expect(await readdir(dir)).toEqual(['x.key']);
  });
});
