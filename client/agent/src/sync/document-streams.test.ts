/**
 * A snapshot reaching an open document is applied as what the document lacks plus the
 * snapshot's delete set: the document must end exactly as if the snapshot had been applied
 * whole, whatever part of it the document already held.
 */
import { pino } from 'pino';
import { Prng } from '@yhteispoyta/test-support/prng';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { EnvelopeKind } from '@yhteispoyta/crypto/types';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DocStore } from './doc-store';
import { DocumentStreams } from './document-streams';
import { documentStateHash } from './state-hash';
import { testHeader } from './testkit/headers';
import { syncProfiles } from './testkit/sync-profiles';

const profile = syncProfiles('yp-docstreams-');
const WS = 'w1';
const PLAN = 'doc:plan';

async function documents(): Promise<DocumentStreams> {
  const db = await profile();
  return new DocumentStreams({
    context: {
      transaction: (work) => db.transaction(work),
      enqueue: () => undefined,
      send: () => undefined,
      report: () => undefined,
      log: pino({ level: 'silent' }),
      now: () => 0,
    },
    store: new DocStore(db),
    config: { mergeWindowMs: 0, docLogCompactRows: 200 },
  });
}

let seq = 0;
function envelope(kind: EnvelopeKind, plaintext: Uint8Array) {
  seq += 1;
  const header = testHeader({ workspaceId: WS, stream: PLAN, kind, clock: kind === 'snapshot' ? 0 : seq, snapshotId: kind === 'snapshot' ? `s${String(seq)}` : '' });
  return { workspaceId: WS, stream: PLAN, seq, header, plaintext: toBytes(plaintext) };
}

/** Random typing and deleting by three writers, each change shared with the other two as it is made. */
function history(rng: Prng, steps: number): Uint8Array[] {
  const writers = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
  const updates: Uint8Array[] = [];
  for (const w of writers) w.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < steps; i++) {
    const w = rng.pick(writers);
    const text = w.getText('t');
    if (text.length > 4 && rng.chance(0.3)) text.delete(rng.int(0, text.length - 2), rng.int(1, 2));
    else text.insert(rng.int(0, text.length), rng.pick(['a', 'bb', 'ccc ']));
    const last = updates.at(-1);
    if (last !== undefined) for (const other of writers) if (other !== w) Y.applyUpdate(other, last);
  }
  return updates;
}

describe('DocumentStreams', () => {
  it.each([1, 2, 3, 4, 5])('ends an open document at the snapshot however much of it the document held (seed %i)', async (n) => {
    const rng = new Prng(n);
    const updates = history(rng, 300);
    const whole = new Y.Doc();
    for (const u of updates) Y.applyUpdate(whole, u);
    const snapshot = Y.encodeStateAsUpdate(whole);

    const docs = await documents();
    const open = docs.open(WS, PLAN).doc;
    // The document holds a random part of the history, with gaps (some updates pending in Yjs).
    for (const u of updates) if (rng.chance(0.7)) docs.apply(envelope('update', u));
    docs.applySnapshot(envelope('snapshot', snapshot));
    // The same items, deletions and clocks as the whole history (state hash), nothing pending.
    expect(open.getText('t').toString()).toBe(whole.getText('t').toString());
    expect(documentStateHash(open)).toBe(documentStateHash(whole));
    expect(open.store.pendingStructs).toBeNull();
    expect(open.store.pendingDs).toBeNull();
    docs.close();
  });
});
