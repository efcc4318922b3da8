/**
 * Small helpers of the mongo adapter: duplicate-key detection, stored bytes, escaped map
 * keys, and the per-workspace sequence.
 */
import { StoredValueError } from '../record-schemas';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { MongoModels } from './models';

/** Whether an error is MongoDB's duplicate key error (E11000): a unique index said no. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** A stored binary field (Buffer, BSON Binary or Uint8Array) as fresh Bytes. */
export function storedBytes(value: unknown): Bytes {
  let view: Uint8Array | undefined;
  if (value instanceof Uint8Array) view = value;
  else if (typeof value === 'object' && value !== null && 'buffer' in value && value.buffer instanceof Uint8Array) {
    // BSON Binary: `buffer` holds the bytes, `position` how many of them are used.
    const position = (value as { position?: unknown }).position;
    view = typeof position === 'number' ? value.buffer.subarray(0, position) : value.buffer;
  }
  if (!view) throw new StoredValueError('stored binary field has an unexpected type');
  const out = new Uint8Array(new ArrayBuffer(view.byteLength));
  out.set(view);
  return out;
}

/** Bytes as a Buffer view for writing (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Escape a free-form key (an author key like `alice.1`) for use as a field name:
 * `%`, `.` and `$` are percent-encoded, so the result has no path separators and never
 * starts with `$`. Reversible with {@link unescapeKey}.
 */
export function escapeKey(key: string): string {
  return key.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/\$/g, '%24');
}

/** Inverse of {@link escapeKey}. */
export function unescapeKey(field: string): string {
  // One pass, so an escaped '%' is never read again as the start of another escape.
  return field.replace(/%(25|2E|24)/g, (_, code: string) => (code === '25' ? '%' : code === '2E' ? '.' : '$'));
}

/** An escaped-key map read back: keys unescaped, values checked to be integers. */
export function readEscapedClocks(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object') throw new StoredValueError('stored clock map has an unexpected type');
  for (const [field, clock] of Object.entries(value)) {
    if (typeof clock !== 'number' || !Number.isSafeInteger(clock)) throw new StoredValueError('stored clock is not an integer');
    out[unescapeKey(field)] = clock;
  }
  return out;
}

/**
 * Next number of a per-key sequence (1, 2, 3 …). A number handed out is never handed out
 * again, but may end up unused (a refused or crashed append): sequences have holes.
 */
export async function allocateSeq(counters: MongoModels['counters'], key: string): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const doc = await counters
        .findOneAndUpdate({ _id: key }, { $inc: { last: 1 } }, { upsert: true, returnDocument: 'after' })
        .lean();
      if (!doc) throw new Error('sequence allocation returned no document');
      return doc.last;
    } catch (error) {
      // Two first-ever upserts of one key race on _id; the loser simply increments.
      if (!isDuplicateKey(error) || attempt >= 3) throw error;
    }
  }
}
