/**
 * Searching files for planted strings in the encodings a leak could take: UTF-8,
 * UTF-16LE, lower-case hex of the UTF-8, and base64/base64url of the UTF-8 at each of
 * the three byte alignments it can have inside a longer base64 text.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One searchable form of a planted string. */
export interface NeedleForm {
  readonly form: 'utf8' | 'utf16le' | 'hex' | `base64@${number}` | `base64url@${number}`;
  readonly bytes: Buffer;
}

/** A planted string found in a file. */
export interface ScanHit {
  readonly file: string;
  readonly needle: string;
  readonly form: NeedleForm['form'];
  readonly offset: number;
}

/**
 * The base64 characters that depend only on `data` when it starts `shift` bytes into a
 * 3-byte group: the groups mixing in neighbouring bytes are cut off at both ends.
 */
function alignedBase64(data: Buffer, shift: number): string {
  const encoded = Buffer.concat([Buffer.alloc(shift), data]).toString('base64');
  const firstGroup = shift === 0 ? 0 : 1;
  const lastGroup = Math.floor((shift + data.length) / 3);
  return encoded.slice(firstGroup * 4, lastGroup * 4);
}

/** Every form {@link scanFiles} looks for. */
export function needleForms(text: string): NeedleForm[] {
  const utf8 = Buffer.from(text, 'utf8');
  const forms: NeedleForm[] = [
    { form: 'utf8', bytes: utf8 },
    { form: 'utf16le', bytes: Buffer.from(text, 'utf16le') },
    { form: 'hex', bytes: Buffer.from(utf8.toString('hex'), 'latin1') },
  ];
  for (const shift of [0, 1, 2]) {
    const b64 = alignedBase64(utf8, shift);
    forms.push({ form: `base64@${shift}`, bytes: Buffer.from(b64, 'latin1') });
    forms.push({ form: `base64url@${shift}`, bytes: Buffer.from(b64.replace(/\+/g, '-').replace(/\//g, '_'), 'latin1') });
  }
  return forms;
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** Total size of the files, for the report. */
export function totalBytes(files: readonly string[]): number {
  return files.reduce((sum, file) => sum + statSync(file).size, 0);
}

/** Every occurrence of every form of every needle in the files' raw bytes. */
export function scanFiles(files: readonly string[], needles: readonly string[]): ScanHit[] {
  const forms = needles.map((needle) => ({ needle, forms: needleForms(needle) }));
  const hits: ScanHit[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      // A temporary file removed while we listed the directory: nothing left to leak.
      continue;
    }
    for (const { needle, forms: variants } of forms) {
      for (const { form, bytes: pattern } of variants) {
        for (let at = bytes.indexOf(pattern); at >= 0; at = bytes.indexOf(pattern, at + 1)) {
          hits.push({ file, needle, form, offset: at });
        }
      }
    }
  }
  return hits;
}
