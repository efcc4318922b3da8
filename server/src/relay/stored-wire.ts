/**
 * Stored envelopes and snapshots back in their wire form.
 */
import { decodeWireEnvelope } from '@yhteispoyta/crypto/envelope';
import type { StoredEnvelope as WireStoredEnvelope } from '@yhteispoyta/crypto/protocol';

/**
 * A stored record's bytes as the wire's StoredEnvelope. Throws when the bytes do not
 * decode: the server wrote them itself, so that is a corrupt store, not client input.
 */
export function toWireStored(record: { readonly seq: number; readonly bytes: Uint8Array; readonly receivedAt: number }): WireStoredEnvelope {
  const decoded = decodeWireEnvelope(record.bytes);
  if (!decoded.ok) throw new Error(`stored envelope ${record.seq} does not decode (${decoded.code})`);
  return { seq: record.seq, envelope: decoded.envelope, receivedAt: record.receivedAt };
}
