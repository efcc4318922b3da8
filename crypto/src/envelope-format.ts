/**
 * The envelope's sizes, its shape check for untrusted values, its compact binary form for
 * storage, and the snapshot-chain hashes (docs/design.md §6). Everything here needs no key.
 */
import { z } from 'zod';
import { ByteReader, ByteWriter, DecodeFailure } from './byte-codec';
import type { DecodeFailureCode } from './byte-codec';
import { sha256, toBytes } from './bytes';
import type { Bytes } from './bytes';
import { decodeHeader, encodeHeader, MAX_HEADER_BYTES, PARENT_PROOF_BYTES } from './header';
import type { EnvelopeHeader, WireEnvelope } from './types';

/** AES-256-GCM-SIV nonce size. */
export const NONCE_BYTES = 12;
/** AES-256-GCM-SIV authentication tag, appended to every ciphertext. */
export const AEAD_TAG_BYTES = 16;
/** XEdDSA signature size. */
export const SIGNATURE_BYTES = 64;
/** Largest ciphertext (tag included): a snapshot of a big document must fit. */
export const MAX_CIPHERTEXT_BYTES = 4 * 1024 * 1024;
/** Largest plaintext that {@link MAX_CIPHERTEXT_BYTES} leaves room for. */
export const MAX_PLAINTEXT_BYTES = MAX_CIPHERTEXT_BYTES - AEAD_TAG_BYTES;
/** Binary form of a WireEnvelope: format version byte + u16 header length + u32 ciphertext length. */
const WIRE_FRAMING_BYTES = 7;
const WIRE_FORMAT_VERSION = 1;
/** Largest encoded envelope ({@link encodeWireEnvelope}) whose ciphertext is at most `maxCiphertextBytes`. */
export function maxEncodedEnvelopeBytes(maxCiphertextBytes: number): number {
  return WIRE_FRAMING_BYTES + MAX_HEADER_BYTES + NONCE_BYTES + SIGNATURE_BYTES + maxCiphertextBytes;
}
/** Largest envelope in its binary form ({@link encodeWireEnvelope}). */
export const MAX_ENVELOPE_BYTES = maxEncodedEnvelopeBytes(MAX_CIPHERTEXT_BYTES);

/**
 * Per-envelope byte overhead on top of the plaintext, field by field:
 * - header: canonical header bytes, variable — for a typical update (UUID workspace, user
 *   and snapshot ids, stream `doc:plan`): version 1 + kind 1 + workspaceId 2+36 +
 *   stream 2+8 + epoch 4 + userId 2+36 + deviceId 1 + clock 8 + snapshotId 2+36 + sentAt 8 +
 *   chainHead 4+32 = 183 bytes;
 *   snapshots add parentSnapshotId 2+n, parentProof 32, count 2 and 2+k+8 per covered clock
 * - nonce: 12
 * - aeadTag: 16 (inside the ciphertext)
 * - signature: 64
 * - wireFraming: 7 more in the binary storage form (format version 1 + header length 2 +
 *   ciphertext length 4)
 *
 * So a typical update costs 183 + 12 + 16 + 64 = 275 bytes (282 in binary form).
 */
export const ENVELOPE_OVERHEAD = Object.freeze({
  nonce: NONCE_BYTES,
  aeadTag: AEAD_TAG_BYTES,
  signature: SIGNATURE_BYTES,
  wireFraming: WIRE_FRAMING_BYTES,
});

/** Bytes an envelope with this header adds to its plaintext (header + nonce + tag + signature). */
export function envelopeOverhead(header: EnvelopeHeader): number {
  return encodeHeader(header).byteLength + NONCE_BYTES + AEAD_TAG_BYTES + SIGNATURE_BYTES;
}

/** The parentProof of the first snapshot of a stream: 32 zero bytes. Do not mutate. */
export const GENESIS_PROOF: Bytes = new Uint8Array(new ArrayBuffer(PARENT_PROOF_BYTES));

/** Identifies an envelope's content: SHA-256 of its ciphertext. */
export function envelopeHash(env: WireEnvelope): Bytes {
  return sha256(env.ciphertext);
}

/**
 * The proof a snapshot must carry when it extends the snapshot with `parentProof` and
 * `parentCiphertext`: SHA-256(parentProof ‖ SHA-256(parentCiphertext)). Chaining the proofs
 * lets anyone holding the history check that no snapshot was dropped or swapped.
 * Throws RangeError when parentProof is not 32 bytes (it always is after decodeHeader).
 */
export function nextParentProof(parentProof: Uint8Array, parentCiphertext: Uint8Array): Bytes {
  if (parentProof.byteLength !== PARENT_PROOF_BYTES) throw new RangeError(`parentProof must be ${PARENT_PROOF_BYTES} bytes`);
  return sha256(parentProof, sha256(parentCiphertext));
}

const wireEnvelopeShape = z.object({
  header: z.instanceof(Uint8Array),
  nonce: z.instanceof(Uint8Array),
  ciphertext: z.instanceof(Uint8Array),
  signature: z.instanceof(Uint8Array),
});

/** Result of checking an untrusted value's envelope shape and sizes. */
export type EnvelopeShapeResult =
  | { readonly ok: true; readonly envelope: WireEnvelope }
  | { readonly ok: false; readonly code: DecodeFailureCode; readonly detail: string };

/**
 * Checks that an untrusted value is a WireEnvelope with legal part sizes, and copies the
 * parts (Buffers from socket.io may share a pool; libsignal wants plain ArrayBuffers).
 * Does not look inside the header. Never throws.
 */
export function parseEnvelopeShape(value: unknown): EnvelopeShapeResult {
  try {
    const parsed = wireEnvelopeShape.safeParse(value);
    if (!parsed.success) return { ok: false, code: 'malformed', detail: 'not a {header, nonce, ciphertext, signature} of bytes' };
    const { header, nonce, ciphertext, signature } = parsed.data;
    checkPartSizes(header.byteLength, nonce.byteLength, ciphertext.byteLength, signature.byteLength);
    return {
      ok: true,
      envelope: { header: toBytes(header), nonce: toBytes(nonce), ciphertext: toBytes(ciphertext), signature: toBytes(signature) },
    };
  } catch (e) {
    if (e instanceof DecodeFailure) return { ok: false, code: e.code, detail: e.detail };
    return { ok: false, code: 'malformed', detail: 'unreadable value' };
  }
}

function checkPartSizes(header: number, nonce: number, ciphertext: number, signature: number): void {
  if (header > MAX_HEADER_BYTES) throw new DecodeFailure('too_large', `header is ${header} bytes, limit ${MAX_HEADER_BYTES}`);
  if (ciphertext > MAX_CIPHERTEXT_BYTES) {
    throw new DecodeFailure('too_large', `ciphertext is ${ciphertext} bytes, limit ${MAX_CIPHERTEXT_BYTES}`);
  }
  if (nonce !== NONCE_BYTES) throw new DecodeFailure('malformed', `nonce must be ${NONCE_BYTES} bytes`);
  if (signature !== SIGNATURE_BYTES) throw new DecodeFailure('malformed', `signature must be ${SIGNATURE_BYTES} bytes`);
  if (ciphertext < AEAD_TAG_BYTES) throw new DecodeFailure('malformed', 'ciphertext shorter than its tag');
}

/**
 * Compact binary form for storage and benchmarks:
 * `u8 format (1) ‖ u16 header length ‖ header ‖ nonce 12 ‖ signature 64 ‖ u32 ciphertext length ‖ ciphertext`.
 * The explicit ciphertext length lets the decoder refuse trailing bytes.
 * Throws RangeError for an envelope whose parts have illegal sizes.
 */
export function encodeWireEnvelope(env: WireEnvelope): Bytes {
  try {
    checkPartSizes(env.header.byteLength, env.nonce.byteLength, env.ciphertext.byteLength, env.signature.byteLength);
  } catch (e) {
    if (e instanceof DecodeFailure) throw new RangeError(`encodeWireEnvelope: ${e.detail}`);
    throw e;
  }
  return new ByteWriter()
    .u8(WIRE_FORMAT_VERSION)
    .u16(env.header.byteLength)
    .raw(env.header)
    .raw(env.nonce)
    .raw(env.signature)
    .u32(env.ciphertext.byteLength)
    .raw(env.ciphertext)
    .finish();
}

/** Result of {@link decodeWireEnvelope}: the envelope and its already-decoded header. */
export type DecodeWireEnvelopeResult =
  | { readonly ok: true; readonly envelope: WireEnvelope; readonly header: EnvelopeHeader }
  | { readonly ok: false; readonly code: DecodeFailureCode; readonly detail: string };

/** Offset of the u16 header length in {@link encodeWireEnvelope}'s output (after the format byte). */
const HEADER_LENGTH_OFFSET = 1;

/**
 * True when an untrusted encoded envelope is over a size limit, judged from its length
 * and its length fields alone (nothing is copied or decoded): longer than an envelope with
 * `maxCiphertextBytes` of ciphertext can be, or declaring a header over MAX_HEADER_BYTES or
 * a ciphertext over `maxCiphertextBytes`. Lets a receiver answer `too_large` before its
 * schema would call the same bytes malformed. Never throws.
 */
export function encodedEnvelopeTooLarge(bytes: Uint8Array, maxCiphertextBytes: number = MAX_CIPHERTEXT_BYTES): boolean {
  if (bytes.byteLength > maxEncodedEnvelopeBytes(maxCiphertextBytes)) return true;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEADER_LENGTH_OFFSET + 2) return false;
  const headerLength = view.getUint16(HEADER_LENGTH_OFFSET);
  if (headerLength > MAX_HEADER_BYTES) return true;
  const ciphertextLengthAt = HEADER_LENGTH_OFFSET + 2 + headerLength + NONCE_BYTES + SIGNATURE_BYTES;
  if (bytes.byteLength < ciphertextLengthAt + 4) return false;
  return view.getUint32(ciphertextLengthAt) > maxCiphertextBytes;
}

/** Result of {@link decodeEnvelopeFrame}: the envelope, and the copy of the input its parts are views into. */
export type EnvelopeFrameResult =
  | { readonly ok: true; readonly envelope: WireEnvelope; readonly frame: Bytes }
  | { readonly ok: false; readonly code: DecodeFailureCode; readonly detail: string };

/**
 * Strict decode of {@link encodeWireEnvelope}'s output from an untrusted source, without
 * looking inside the header: format version, every length field against the bytes
 * present (nothing truncated, nothing trailing) and the part sizes of
 * {@link parseEnvelopeShape}, with `maxCiphertextBytes` as the ciphertext limit (a
 * presence envelope's is smaller). The input is copied once (`frame`, exactly the
 * encoded envelope) and the parts are views into that copy: nothing else holds it, and
 * nobody writes to an envelope's parts. Never throws.
 */
export function decodeEnvelopeFrame(bytes: unknown, maxCiphertextBytes: number = MAX_CIPHERTEXT_BYTES): EnvelopeFrameResult {
  if (!(bytes instanceof Uint8Array)) return { ok: false, code: 'malformed', detail: 'not bytes' };
  if (bytes.byteLength > maxEncodedEnvelopeBytes(maxCiphertextBytes)) {
    return { ok: false, code: 'too_large', detail: `${bytes.byteLength} bytes is over the envelope limit` };
  }
  try {
    // One copy (a Buffer from socket.io may be a view into a pool); the parts are views of it.
    const frame = toBytes(bytes);
    const r = new ByteReader(frame);
    const format = r.u8();
    if (format !== WIRE_FORMAT_VERSION) throw new DecodeFailure('malformed', `unknown envelope format ${format}`);
    const headerLength = r.u16();
    if (headerLength > MAX_HEADER_BYTES) throw new DecodeFailure('too_large', `header is ${headerLength} bytes`);
    const header = r.borrow(headerLength);
    const nonce = r.borrow(NONCE_BYTES);
    const signature = r.borrow(SIGNATURE_BYTES);
    const ciphertextLength = r.u32();
    if (ciphertextLength > maxCiphertextBytes) throw new DecodeFailure('too_large', `ciphertext is ${ciphertextLength} bytes`);
    const ciphertext = r.borrow(ciphertextLength);
    r.end();
    checkPartSizes(header.byteLength, nonce.byteLength, ciphertext.byteLength, signature.byteLength);
    if (header.byteLength === 0) throw new DecodeFailure('malformed', 'empty header');
    return { ok: true, envelope: { header, nonce, ciphertext, signature }, frame };
  } catch (e) {
    if (e instanceof DecodeFailure) return { ok: false, code: e.code, detail: e.detail };
    return { ok: false, code: 'malformed', detail: 'undecodable' };
  }
}

/**
 * Strict decode of {@link encodeWireEnvelope}'s output from an untrusted source: sizes,
 * format version and the header's canonical encoding are all checked (the signature is not:
 * that needs the author's key). Never throws.
 */
export function decodeWireEnvelope(bytes: unknown): DecodeWireEnvelopeResult {
  const framed = decodeEnvelopeFrame(bytes);
  if (!framed.ok) return framed;
  const decoded = decodeHeader(framed.envelope.header);
  if (!decoded.ok) return decoded;
  return { ok: true, envelope: framed.envelope, header: decoded.header };
}
