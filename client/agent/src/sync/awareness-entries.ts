/**
 * The entries of a y-protocols awareness update (`count ‖ (clientId, clock, JSON state)*`),
 * decoded without an Awareness instance: presence from other devices is judged entry by
 * entry before anything is applied.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** One client's entry in an awareness update: its id, clock and JSON state (`null` when it left). */
export interface AwarenessEntry {
  readonly clientId: number;
  readonly clock: number;
  readonly state: string;
}

/** Decode an untrusted awareness update into its entries; undefined if it is malformed. Never throws. */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] | undefined {
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    const entries: AwarenessEntry[] = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state = decoding.readVarString(decoder);
      JSON.parse(state);
      entries.push({ clientId, clock, state });
    }
    return decoding.hasContent(decoder) ? undefined : entries;
  } catch {
    return undefined;
  }
}

/** Encode awareness entries (the inverse of {@link decodeAwarenessUpdate}). */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encoding.toUint8Array(encoder);
}
