/**
 * Typed reads of SQLCipher result rows. The database is our own, so a value of the wrong
 * type is a bug or corruption: the readers throw instead of guessing.
 */
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';

/** A result row as the binding returns it. */
export type SqlRow = Record<string, unknown>;

/** A TEXT column. */
export function rowText(row: SqlRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`column ${column} is not text`);
  return value;
}

/** An INTEGER column. */
export function rowInt(row: SqlRow, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`column ${column} is not an integer`);
  return value;
}

/** A nullable INTEGER column. */
export function rowOptInt(row: SqlRow, column: string): number | undefined {
  return row[column] === null || row[column] === undefined ? undefined : rowInt(row, column);
}

/** A BLOB column, copied onto its own ArrayBuffer. */
export function rowBytes(row: SqlRow, column: string): Bytes {
  const value = row[column];
  if (!(value instanceof Uint8Array)) throw new TypeError(`column ${column} is not a blob`);
  return toBytes(value);
}

/** A nullable BLOB column. */
export function rowOptBytes(row: SqlRow, column: string): Bytes | undefined {
  return row[column] === null || row[column] === undefined ? undefined : rowBytes(row, column);
}
