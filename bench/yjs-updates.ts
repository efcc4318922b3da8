/**
 * Real Yjs updates of a chosen size, for measurements that must feed both systems the
 * very same bytes: each update appends text to one author's document.
 */
import * as Y from 'yjs';
import { seededRng } from './traces';

/**
 * `count` consecutive updates of one author, each about `payloadBytes` long when encoded.
 * Each chunk is inserted at the start: appended chunks would merge into one growing Yjs
 * item, and encoding each update would then copy that whole item (quadratic).
 */
export function textUpdates(seed: number, count: number, payloadBytes: number): Uint8Array[] {
  const rng = seededRng(seed);
  const doc = new Y.Doc();
  const text = doc.getText('plan');
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  // Yjs encodes an append as the text plus a few bytes of ids and lengths.
  const chars = Math.max(1, payloadBytes - 19);
  for (let i = 0; i < count; i++) {
    let chunk = '';
    while (chunk.length < chars) chunk += String.fromCharCode(97 + Math.floor(rng() * 26));
    text.insert(0, chunk);
  }
  doc.destroy();
  return updates;
}
