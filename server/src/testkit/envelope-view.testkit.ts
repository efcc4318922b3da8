/**
 * Envelopes between their wire form and their in-memory form, for the in-process
 * server's interceptors: socket.io carries every envelope as one encoded blob
 * (crypto/protocol wire-envelope.ts), but a test reads and forges envelopes as
 * WireEnvelope objects. The link shows interceptors decoded envelopes and encodes what a
 * test hands back, so a test's forgery travels exactly as a hostile server's would.
 */
import { decodeEnvelopeFrame } from '@yhteispoyta/crypto/envelope';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';

const PARTS = ['header', 'nonce', 'ciphertext', 'signature'] as const;

function isWireEnvelope(value: unknown): value is WireEnvelope {
  if (typeof value !== 'object' || value === null || Object.keys(value).length !== PARTS.length) return false;
  return PARTS.every((part) => (value as Record<string, unknown>)[part] instanceof Uint8Array);
}

/** `value` with `convert` applied to the value of every `envelope` key, at any depth of plain objects and arrays. */
function mapEnvelopes(value: unknown, convert: (envelope: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapEnvelopes(item, convert));
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, key === 'envelope' ? convert(field) : mapEnvelopes(field, convert)]),
  );
}

/** Traffic as an interceptor sees it: every encoded envelope that decodes is a WireEnvelope object (others stay bytes). */
export function envelopesDecoded(value: unknown): unknown {
  return mapEnvelopes(value, (envelope) => {
    if (!(envelope instanceof Uint8Array)) return envelope;
    const framed = decodeEnvelopeFrame(envelope);
    return framed.ok ? framed.envelope : envelope;
  });
}

/**
 * An envelope in the encoded form (envelope-format.ts `encodeWireEnvelope`) written without
 * its size checks, so that a test's oversized or undersized part travels in the shape a
 * receiver parses (and refuses there); undefined when a length does not fit its field.
 */
function encodeUnchecked(envelope: WireEnvelope): Uint8Array | undefined {
  const { header, nonce, signature, ciphertext } = envelope;
  if (header.byteLength > 0xffff || ciphertext.byteLength > 0xffff_ffff) return undefined;
  const out = Buffer.alloc(FRAMING_BYTES + header.byteLength + nonce.byteLength + signature.byteLength + ciphertext.byteLength);
  let at = out.writeUInt8(WIRE_FORMAT, 0);
  at = out.writeUInt16BE(header.byteLength, at);
  for (const part of [header, nonce, signature]) {
    out.set(part, at);
    at += part.byteLength;
  }
  at = out.writeUInt32BE(ciphertext.byteLength, at);
  out.set(ciphertext, at);
  return out;
}

/** Format byte and framing size of the encoded envelope (envelope-format.ts). */
const WIRE_FORMAT = 1;
const FRAMING_BYTES = 7;

/**
 * What a test hands in, as it travels: every WireEnvelope object encoded, legal or not
 * (a legal one exactly as encodeWireEnvelope writes it). One whose part lengths do not
 * even fit the length fields stays an object, and the receiver refuses it.
 */
export function envelopesEncoded(value: unknown): unknown {
  return mapEnvelopes(value, (envelope) => (isWireEnvelope(envelope) ? (encodeUnchecked(envelope) ?? envelope) : envelope));
}
