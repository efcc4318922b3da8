import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '@yhteispoyta/common/queue';
import type { StoredEnvelope } from '@yhteispoyta/crypto/protocol';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';
import type { ProfileDb } from '../profile/profile-db';
import type { InboundEnvelope, StreamHandler } from '../streams/stream-handler';
import type { CheckedEnvelope } from './envelope-check';
import { Inbound } from './inbound';
import { StreamStateStore } from './stream-state';
import { testHeader } from './testkit/headers';
import { syncProfiles } from './testkit/sync-profiles';

const profile = syncProfiles('yp-inbound-');

const WS = 'w1';
const PLAN = 'doc:plan';
/** the author of every envelope here (testHeader's) */
const ANNA_KEY = 'anna.1';

/** An envelope stored at `seq`: its header bytes carry the seq, by which the faked verification knows it. */
function stored(seq: number): StoredEnvelope {
  const empty = new Uint8Array(new ArrayBuffer(0));
  const mark = new Uint8Array(new ArrayBuffer(4));
  new DataView(mark.buffer).setUint32(0, seq);
  const envelope: WireEnvelope = { header: mark, nonce: empty, ciphertext: empty, signature: empty };
  return { seq, envelope, receivedAt: 0 };
}

const seqOf = (envelope: unknown): number => {
  const mark = (envelope as WireEnvelope).header;
  return new DataView(mark.buffer, mark.byteOffset, mark.byteLength).getUint32(0);
};

/**
 * A handler that stores each applied envelope as a row and, for the seqs in `failing`,
 * throws after storing it (a disk error, a bug): the row must go with the rollback.
 */
function recordingHandler(db: ProfileDb, failing: Set<number>): StreamHandler {
  db.db.exec('CREATE TABLE IF NOT EXISTS applied (seq INTEGER NOT NULL)');
  return {
    kinds: ['update'],
    owns: () => true,
    streamsOf: () => [PLAN],
    validate: () => undefined,
    apply(item: InboundEnvelope) {
      db.db.prepare('INSERT INTO applied (seq) VALUES (?)').run([item.seq]);
      if (failing.delete(item.seq)) throw new Error(`applying seq ${item.seq} failed`);
    },
    echo: () => undefined,
    applySnapshot: () => undefined,
    acknowledged: () => undefined,
    dropped: () => undefined,
    coalesce: () => undefined,
    afterApply: () => undefined,
    afterCatchUp: () => undefined,
  };
}

async function inboundOn(failing: Set<number>, clocks: Map<number, number>): Promise<{ db: ProfileDb; inbound: Inbound; state: StreamStateStore }> {
  const db = await profile();
  const state = new StreamStateStore(db);
  const handler = recordingHandler(db, failing);
  const inbound = new Inbound({
    state,
    outbox: { bySentClock: () => undefined, remove: () => undefined },
    handlers: { handlerFor: () => handler },
    // Every envelope is Anna's, authentic, of the clock `clocks` gives its seq.
    verify: (_w, _s, envelope): CheckedEnvelope => ({ status: 'ok', header: testHeader({ clock: clocks.get(seqOf(envelope)) ?? 0 }), plaintext: new Uint8Array(new ArrayBuffer(1)) }),
    relay: { fetch: () => Promise.resolve({ ok: true as const, envelopes: [] }) },
    lanes: new KeyedQueue(),
    transaction: (work) => db.refetchableTransaction(work),
    reporter: { report: () => undefined },
    status: { changed: () => undefined },
    snapshots: { consider: () => undefined },
    selfKey: 'u-ben.1',
    config: { gapFetchIntervalMs: 60_000, keyWaitMs: 60_000 },
    now: () => 0,
    log: pino({ level: 'silent' }),
  });
  return { db, inbound, state };
}

describe('Inbound: an envelope whose application throws', () => {
  const applied = (db: ProfileDb): number[] =>
    db.db.prepare('SELECT seq FROM applied ORDER BY seq', { pluck: true }).all().map(Number);
  const position = (db: ProfileDb): { lastSeq: number; clock: number } => {
    const fresh = new StreamStateStore(db);
    return { lastSeq: fresh.get(WS, PLAN).lastSeq, clock: fresh.clock(WS, PLAN, ANNA_KEY).clock };
  };

  it('alone in its batch (a live notice): none of its writes stay, and it applies when it comes again', async () => {
    const failing = new Set([11]);
    const { db, inbound } = await inboundOn(failing, new Map([[10, 1], [11, 2]]));
    await inbound.process(WS, PLAN, [stored(10)], true);
    expect(position(db)).toEqual({ lastSeq: 10, clock: 1 });
    await expect(inbound.process(WS, PLAN, [stored(11)], true)).rejects.toThrow('applying seq 11 failed');
    expect(applied(db)).toEqual([10]);
    expect(position(db)).toEqual({ lastSeq: 10, clock: 1 });
    await inbound.process(WS, PLAN, [stored(11)], true);
    expect(applied(db)).toEqual([10, 11]);
    expect(position(db)).toEqual({ lastSeq: 11, clock: 2 });
  });

  it('after others in its batch: theirs are committed, its own writes are not', async () => {
    const failing = new Set([12]);
    const { db, inbound } = await inboundOn(failing, new Map([[10, 1], [11, 2], [12, 3], [13, 4]]));
    const batch = [10, 11, 12, 13].map(stored);
    await expect(inbound.process(WS, PLAN, batch, true)).rejects.toThrow('applying seq 12 failed');
    expect(applied(db)).toEqual([10, 11]);
    expect(position(db)).toEqual({ lastSeq: 11, clock: 2 });
  });
});
