/**
 * Stored envelopes and snapshots back in their wire form.
 */
import type { StoredEnvelopeFrame } from '@yhteispoyta/crypto/protocol';

/**
 * A stored record as the wire's StoredEnvelope: the store keeps each envelope encoded
 * exactly as socket.io carries it (envelope-format.ts `encodeWireEnvelope`), so its bytes
 * go out as they are, neither decoded nor copied; the receiving agent decodes and checks them.
 */
export function toWireStored(record: { readonly seq: number; readonly bytes: Uint8Array; readonly receivedAt: number }): StoredEnvelopeFrame {
  return { seq: record.seq, envelope: record.bytes, receivedAt: record.receivedAt };
}
