/**
 * Byte helpers shared by every crypto/ module. Pure functions: no I/O, no state.
 * Hashing and randomness come from node:crypto, which is computation, not I/O.
 */
import { createHash, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';

/** A byte array backed by a plain ArrayBuffer (what libsignal's typings ask for). */
export type Bytes = Uint8Array<ArrayBuffer>;

/** Copy any byte view into a fresh ArrayBuffer-backed array (Buffers may share a pool). */
export function toBytes(view: Uint8Array): Bytes {
  const out = new Uint8Array(new ArrayBuffer(view.byteLength));
  out.set(view);
  return out;
}

/** Concatenate byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Bytes {
  let length = 0;
  for (const p of parts) length += p.byteLength;
  const out = new Uint8Array(new ArrayBuffer(length));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/** Constant-time equality for equal lengths; false for different lengths. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return timingSafeEqual(a, b);
}

/** SHA-256 of the concatenation of the parts. */
export function sha256(...parts: readonly Uint8Array[]): Bytes {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return toBytes(h.digest());
}

/** Cryptographically random bytes. */
export function randomBytes(length: number): Bytes {
  return toBytes(nodeRandomBytes(length));
}

const UTF8_ENCODER = new TextEncoder();
const STRICT_UTF8_DECODER = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 encode. */
export function utf8(text: string): Bytes {
  // encode() returns a fresh array on an ArrayBuffer of its own: nothing to copy.
  return UTF8_ENCODER.encode(text) as Bytes;
}

/** Strict UTF-8 decode: throws on invalid sequences (callers on hostile input catch it). */
export function fromUtf8(bytes: Uint8Array): string {
  // One decoder serves every call: without `stream`, each decode() starts afresh.
  return STRICT_UTF8_DECODER.decode(bytes);
}

/** Standard base64 (with padding), the encoding of bytes inside JSON on the wire. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 decode; returns undefined for anything that is not canonical base64. */
export function fromBase64(text: string): Bytes | undefined {
  if (!BASE64.test(text)) return undefined;
  return toBytes(Buffer.from(text, 'base64'));
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Strict hex decode; undefined for odd length or non-hex characters. */
export function fromHex(text: string): Bytes | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) return undefined;
  return toBytes(Buffer.from(text, 'hex'));
}

/** JSON-compatible value, the input of {@link canonicalJson}. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, integers only
 * (non-integer or non-finite numbers throw, so a signature never depends on float printing).
 * Used where a signed structure is JSON (membership events).
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError('canonicalJson: only safe integers are allowed');
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = value[k];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
