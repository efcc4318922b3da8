/**
 * Minimal big-endian binary writer and strict reader shared by the header and the wire
 * envelope encodings. The reader signals every problem by throwing {@link DecodeFailure},
 * which the public decoders catch and turn into typed results: callers outside crypto/
 * never see these exceptions.
 */
import { concatBytes, fromUtf8, utf8 } from './bytes';
import type { Bytes } from './bytes';

/** Why a strict decode failed: structurally wrong, or larger than a limit allows. */
export type DecodeFailureCode = 'malformed' | 'too_large';

/** Thrown by {@link ByteReader} and the encoders' validators; always caught inside crypto/. */
export class DecodeFailure extends Error {
  constructor(
    readonly code: DecodeFailureCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** Lone surrogates: a string holding one cannot survive a UTF-8 round trip. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** UTF-8 length of a string as it will be written (lone surrogates are rejected separately). */
export function utf8Length(text: string): number {
  return utf8(text).byteLength;
}

/**
 * True when the string survives a UTF-8 round trip unchanged. Lone surrogates would be
 * replaced by U+FFFD on encode, so a value containing one could never re-encode to the
 * bytes that were signed.
 */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * Strict UTF-8 decode that keeps a leading U+FEFF. `fromUtf8` in bytes.ts uses the WHATWG
 * default, which silently drops a leading BOM and would break byte-exact re-encoding, so we
 * undo that here by checking whether a BOM was present.
 */
function decodeUtf8Exact(bytes: Uint8Array): string {
  const text = fromUtf8(bytes);
  const hadBom = bytes.byteLength >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return hadBom ? `\uFEFF${text}` : text;
}

/**
 * Appends big-endian integers, raw bytes and u16-length-prefixed UTF-8 strings into one
 * growing buffer (headers and envelope framing are written for every envelope sent,
 * received and relayed: one allocation per field showed as a tenth of the server's CPU).
 */
export class ByteWriter {
  private buffer = new Uint8Array(new ArrayBuffer(256));
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  /** One unsigned byte. */
  u8(value: number): this {
    checkUnsigned(value, 0xff);
    const at = this.reserve(1);
    this.view.setUint8(at, value);
    return this;
  }

  /** Unsigned 16-bit big-endian. */
  u16(value: number): this {
    checkUnsigned(value, 0xffff);
    const at = this.reserve(2);
    this.view.setUint16(at, value);
    return this;
  }

  /** Unsigned 32-bit big-endian. */
  u32(value: number): this {
    checkUnsigned(value, 0xffff_ffff);
    const at = this.reserve(4);
    this.view.setUint32(at, value);
    return this;
  }

  /** Unsigned 64-bit big-endian holding a JavaScript safe integer. */
  u64(value: number): this {
    checkUnsigned(value, Number.MAX_SAFE_INTEGER);
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(value));
    return this;
  }

  /** Raw bytes, no length prefix (the reader must know the length). */
  raw(bytes: Uint8Array): this {
    // reserve() first: it may replace the buffer.
    const at = this.reserve(bytes.byteLength);
    this.buffer.set(bytes, at);
    return this;
  }

  /** u16 byte length, then the UTF-8 bytes; throws if the string is not well-formed or too long. */
  text(value: string, maxBytes: number): this {
    if (LONE_SURROGATE.test(value)) throw new RangeError('string contains a lone surrogate');
    const bytes = utf8(value);
    if (bytes.byteLength > maxBytes) throw new RangeError(`string of ${bytes.byteLength} bytes exceeds ${maxBytes}`);
    return this.u16(bytes.byteLength).raw(bytes);
  }

  /** Everything written so far, as one array of its own. */
  finish(): Bytes {
    return this.buffer.slice(0, this.length);
  }

  /** Room for `size` more bytes; returns where they go. */
  private reserve(size: number): number {
    const at = this.length;
    if (at + size > this.buffer.byteLength) {
      const grown = new Uint8Array(new ArrayBuffer(Math.max(this.buffer.byteLength * 2, at + size)));
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length = at + size;
    return at;
  }
}

function checkUnsigned(value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${value} is not an unsigned integer of at most ${max}`);
  }
}

/** Reads what {@link ByteWriter} wrote, refusing anything short, long or non-canonical. */
export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not yet consumed. */
  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }

  /** One unsigned byte. */
  u8(): number {
    return this.view.getUint8(this.advance(1));
  }

  /** Unsigned 16-bit big-endian. */
  u16(): number {
    return this.view.getUint16(this.advance(2));
  }

  /** Unsigned 32-bit big-endian. */
  u32(): number {
    return this.view.getUint32(this.advance(4));
  }

  /** Unsigned 64-bit big-endian; values above Number.MAX_SAFE_INTEGER are malformed. */
  u64(field: string): number {
    const value = this.view.getBigUint64(this.advance(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeFailure('malformed', `${field} is not a safe integer`);
    return Number(value);
  }

  /** Exactly `length` raw bytes, copied out. */
  raw(length: number): Bytes {
    const start = this.advance(length);
    return concatBytes(this.bytes.subarray(start, start + length));
  }

  /** Exactly `length` bytes as a view into the input, for a reader of input nobody writes to. */
  borrow(length: number): Bytes {
    const start = this.advance(length);
    return this.bytes.subarray(start, start + length) as Bytes;
  }

  /** A u16-length-prefixed strict UTF-8 string of at most `maxBytes` bytes. */
  text(field: string, maxBytes: number): string {
    const length = this.u16();
    if (length > maxBytes) throw new DecodeFailure('too_large', `${field} is ${length} bytes, limit ${maxBytes}`);
    const start = this.advance(length);
    try {
      return decodeUtf8Exact(this.bytes.subarray(start, start + length));
    } catch {
      throw new DecodeFailure('malformed', `${field} is not valid UTF-8`);
    }
  }

  /** Fails unless every byte has been consumed: trailing bytes would be unsigned-looking junk. */
  end(): void {
    if (this.remaining !== 0) throw new DecodeFailure('malformed', `${this.remaining} trailing bytes`);
  }

  private advance(length: number): number {
    if (length > this.remaining) throw new DecodeFailure('malformed', 'truncated');
    const start = this.offset;
    this.offset += length;
    return start;
  }
}
