/**
 * The canary scanner finds a planted string in every encoding it claims, wherever it sits
 * in a file (including every base64 alignment), and reports nothing in a file without it.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, needleForms, scanFiles } from './byte-scan';

// Made in beforeAll, not at import: listing the tests imports this file without running hooks.
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-scan-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const canary = `kanaria-äö-${randomBytes(12).toString('hex')}`;

describe('scanFiles', () => {
  it('finds the canary as UTF-8, UTF-16LE, hex and base64/base64url at any alignment, in nested files', () => {
    mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
    const files: Record<string, Buffer> = {
      'plain.bin': Buffer.concat([randomBytes(100), Buffer.from(canary, 'utf8'), randomBytes(100)]),
      'nested/wide.bin': Buffer.concat([randomBytes(7), Buffer.from(canary, 'utf16le')]),
      'nested/hex.txt': Buffer.from(`prefix ${Buffer.from(canary).toString('hex')} suffix`),
    };
    for (let prefix = 0; prefix < 3; prefix++) {
      const embedded = Buffer.concat([randomBytes(10 + prefix), Buffer.from(canary, 'utf8'), randomBytes(5)]);
      files[`nested/deeper/b64-${prefix}.txt`] = Buffer.from(embedded.toString('base64'));
      files[`nested/deeper/b64url-${prefix}.txt`] = Buffer.from(embedded.toString('base64url'));
    }
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    writeFileSync(join(dir, 'clean.bin'), randomBytes(4096));

    const hits = scanFiles(filesUnder(dir), [canary]);
    const found = new Set(hits.map((h) => h.file.slice(dir.length + 1)));
    expect([...found].sort()).toEqual(Object.keys(files).sort());
    expect(hits.find((h) => h.file.endsWith('plain.bin'))).toMatchObject({ form: 'utf8', offset: 100 });
    expect(hits.find((h) => h.file.endsWith('wide.bin'))).toMatchObject({ form: 'utf16le', offset: 7 });
  });

  it('has one form per encoding and alignment, none of them empty', () => {
    const forms = needleForms(canary);
    expect(forms.map((f) => f.form)).toEqual(['utf8', 'utf16le', 'hex', 'base64@0', 'base64url@0', 'base64@1', 'base64url@1', 'base64@2', 'base64url@2']);
    for (const form of forms) expect(form.bytes.length).toBeGreaterThan(20);
  });
});
