/**
 * The convergence fingerprint of a document (DocumentSync.stateHash), compared across
 * agents by the test harness.
 *
 * Method: take the document's full state as one update (`Y.encodeStateAsUpdate`),
 * normalise it with `Y.mergeUpdates` (which re-reads the structs lazily, merges adjacent
 * structs of one client and writes clients and delete-set entries in sorted order, so the
 * encoding no longer depends on how the document was split into updates or in which order
 * they arrived), derive the state vector from that normalised update, and hash
 * `"yhteispoyta/state-hash/v1" ‖ u32 length ‖ state vector ‖ normalised update` with
 * SHA-256. Two documents with the same items, the same deletions and the same clocks get
 * the same hash; any difference in content or in what each client contributed changes it.
 */
import * as Y from 'yjs';
import { sha256, toHex, utf8 } from '@yhteispoyta/crypto/bytes';

const LABEL = utf8('yhteispoyta/state-hash/v1');

/** Hex SHA-256 of a document's normalised state vector and content (see the module comment). */
export function documentStateHash(doc: Y.Doc): string {
  const normalised = Y.mergeUpdates([Y.encodeStateAsUpdate(doc)]);
  const stateVector = Y.encodeStateVectorFromUpdate(normalised);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, stateVector.byteLength);
  return toHex(sha256(LABEL, length, stateVector, normalised));
}
