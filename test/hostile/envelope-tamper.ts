/**
 * What a hostile relay can do to one envelope's bytes: flip a bit in any of its four
 * parts, cut its ciphertext short, or sign it again with a key it holds (optionally
 * naming another author). Pure functions over copies; the input is never changed.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import { ByteWriter } from '@yhteispoyta/crypto/byte-codec';
import { sha256, toBytes, toHex, utf8 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { AEAD_TAG_BYTES } from '@yhteispoyta/crypto/envelope';
import { decodeHeader, encodeHeader } from '@yhteispoyta/crypto/header';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { DeviceRef, WireEnvelope } from '@yhteispoyta/crypto/types';

/** The four byte fields of an envelope. */
export const ENVELOPE_PARTS = ['header', 'nonce', 'ciphertext', 'signature'] as const;
/** One of {@link ENVELOPE_PARTS}. */
export type EnvelopePart = (typeof ENVELOPE_PARTS)[number];

/**
 * Prefix of the signed digest. crypto/envelope.ts keeps its digest private (readers only
 * verify); a relay that re-signs has to rebuild it. envelope-tamper.test.ts proves this
 * copy equal to the real one by re-signing with the true author's key and verifying.
 */
const SIGNATURE_CONTEXT = 'yhteispoyta/envelope-signature';

/** A stable identity of an envelope as it travels: hex SHA-256 of its signature. */
export function envelopeId(envelope: WireEnvelope): string {
  return toHex(sha256(envelope.signature));
}

/** A deep copy (socket.io hands out Buffers that may share memory). */
export function copyEnvelope(envelope: WireEnvelope): WireEnvelope {
  return {
    header: toBytes(envelope.header),
    nonce: toBytes(envelope.nonce),
    ciphertext: toBytes(envelope.ciphertext),
    signature: toBytes(envelope.signature),
  };
}

/**
 * The envelope with one bit of `part` flipped; by default the lowest bit of its last
 * byte (for an update, chat or presence header that is the low bit of the chain head's
 * hash, so the header still decodes and only the signature can tell). Throws RangeError for a bit outside the part.
 */
export function flipBit(envelope: WireEnvelope, part: EnvelopePart, bit?: number): WireEnvelope {
  const copy = copyEnvelope(envelope);
  const bytes = copy[part];
  const index = bit ?? bytes.byteLength * 8 - 8;
  const byteIndex = Math.floor(index / 8);
  const current = bytes[byteIndex];
  if (!Number.isInteger(index) || index < 0 || current === undefined) throw new RangeError(`bit ${index} is outside the ${part}`);
  bytes[byteIndex] = current ^ (1 << index % 8);
  return copy;
}

/** The envelope with its ciphertext cut to half its length (never below one AEAD tag, so it still has a plausible shape). */
export function truncateCiphertext(envelope: WireEnvelope): WireEnvelope {
  const copy = copyEnvelope(envelope);
  const keep = Math.max(AEAD_TAG_BYTES, Math.floor(copy.ciphertext.byteLength / 2));
  if (keep >= copy.ciphertext.byteLength) throw new RangeError('the ciphertext is too short to truncate');
  return { ...copy, ciphertext: copy.ciphertext.slice(0, keep) };
}

/** SHA-256 over what an envelope signature covers (see {@link SIGNATURE_CONTEXT}). */
function signedDigest(header: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Bytes {
  const framing = new ByteWriter().raw(utf8(SIGNATURE_CONTEXT)).u8(PROTOCOL_VERSION).u32(header.byteLength).finish();
  return sha256(framing, header, nonce, ciphertext);
}

/**
 * The envelope signed again by `signer`. With `author`, the header first names that
 * device instead (the ciphertext stays: it was sealed with the old header as associated
 * data). Throws RangeError when the header does not decode.
 */
export function resign(envelope: WireEnvelope, signer: PrivateKey, author?: DeviceRef): WireEnvelope {
  const copy = copyEnvelope(envelope);
  let header = copy.header;
  if (author !== undefined) {
    const decoded = decodeHeader(copy.header);
    if (!decoded.ok) throw new RangeError(`the header does not decode: ${decoded.detail}`);
    header = encodeHeader({ ...decoded.header, author });
  }
  const signature = toBytes(signer.sign(signedDigest(header, copy.nonce, copy.ciphertext)));
  return { ...copy, header, signature };
}
