import { createHash } from 'node:crypto';
import { Prng } from '@yhteispoyta/test-support/prng';
import { describe, expect, it, vi } from 'vitest';
import type { OutboxEntry } from '../streams/outbox-entry';
import { Outbox } from './outbox';
import { LOOK_ALIKE_STREAMS as STREAMS, syncProfiles } from './testkit/sync-profiles';

const profile = syncProfiles('yp-outbox-');

const payload = (n: number, size = 2): Uint8Array => new Uint8Array(size).fill(n & 0xff);

/** An entry with its payload as a digest: comparing kilobytes element by element is slow in expect. */
const view = (entry: OutboxEntry | undefined) =>
  entry === undefined ? undefined : { ...entry, payload: `${entry.payload.byteLength}:${createHash('sha256').update(entry.payload).digest('hex')}` };

/** Payload sizes: keystrokes, and pastes near and over what one kept entry may hold (16 KiB). */
const SIZES = [2, 2, 2, 40, 15_000, 20_000];

describe('Outbox', () => {
  it('answers an empty stream, a settled entry and the count without a query once it has read the queue', async () => {
    const db = await profile();
    const outbox = new Outbox(db);
    const id = outbox.add('w1', 'doc:plan', 'update', payload(1), 1);
    expect(outbox.isOnlyEntry('w1', 'doc:plan', id)).toBe(true);
    outbox.remove([id]);
    const prepare = vi.spyOn(db.db, 'prepare');
    expect(outbox.head('w1', 'doc:plan', 256)).toEqual([]);
    expect(outbox.get(id)).toBeUndefined();
    expect(outbox.bySentClock('w1', 'doc:plan', 1)).toBeUndefined();
    expect(outbox.count()).toBe(0);
    expect(prepare).not.toHaveBeenCalled();
  });

  it('answers the entries it wrote from memory, and reads the table for what it did not keep', async () => {
    const db = await profile();
    const outbox = new Outbox(db);
    const first = outbox.add('w1', 'doc:plan', 'update', payload(1), 1);
    const second = outbox.add('w1', 'doc:plan', 'update', payload(2), 2);
    outbox.setSentClock(first, 5);
    outbox.replacePayload(second, payload(3, 4));
    const prepare = vi.spyOn(db.db, 'prepare');
    expect(outbox.head('w1', 'doc:plan', 256).map((e) => [e.id, e.sentClock, [...e.payload]])).toEqual([
      [first, 5, [1, 1]],
      [second, undefined, [3, 3, 3, 3]],
    ]);
    expect(outbox.get(second)?.payload).toEqual(payload(3, 4));
    expect(outbox.bySentClock('w1', 'doc:plan', 5)?.id).toBe(first);
    expect(prepare).not.toHaveBeenCalled();
    // A paste over the limit is not kept: the stream's head comes from the table, whole.
    const big = outbox.add('w1', 'doc:plan', 'update', payload(4, 20_000), 3);
    prepare.mockClear();
    expect(outbox.head('w1', 'doc:plan', 256).map((e) => e.id)).toEqual([first, second, big]);
    expect(outbox.get(big)?.payload).toEqual(payload(4, 20_000));
    expect(prepare).toHaveBeenCalled();
  });

  it('keeps no more than its budget in memory and still answers every entry', async () => {
    const db = await profile();
    const outbox = new Outbox(db);
    // 40 pastes of 15 000 bytes: each fits one kept entry, together they pass the 512 KiB budget.
    const ids = Array.from({ length: 40 }, (_, n) => outbox.add('w1', 'chat', 'chat', payload(n, 15_000), n));
    const fresh = new Outbox(db);
    expect(outbox.head('w1', 'chat', 256).map(view)).toEqual(fresh.all('w1', 'chat').map(view));
    for (const id of ids) expect(view(outbox.get(id))).toEqual(view(fresh.get(id)));
    // Removing the kept ones makes room again: a new entry is answered from memory.
    outbox.remove(ids);
    const next = outbox.add('w1', 'chat', 'chat', payload(99, 15_000), 99);
    const prepare = vi.spyOn(db.db, 'prepare');
    expect(outbox.get(next)?.payload).toEqual(payload(99, 15_000));
    expect(prepare).not.toHaveBeenCalled();
  });

  // What it answers must be what is stored: writes in any order, some rolled back, compared
  // with an outbox that has read nothing yet. Fixed seeds, so a failure replays.
  it.each([1, 2, 3, 4, 5, 6])('answers what is queued after any sequence of writes (seed %i)', async (seed) => {
    const db = await profile();
    const outbox = new Outbox(db);
    const rng = new Prng(seed);
    const ids: number[] = [];
    for (let step = 0; step < 200; step++) {
      const [workspaceId, stream] = rng.pick(STREAMS);
      const op = rng.int(0, 5);
      const write = (): void => {
        if (op <= 1) ids.push(outbox.add(workspaceId, stream, 'update', payload(step, rng.pick(SIZES)), step));
        else if (op === 2 && ids.length > 0) outbox.remove([rng.pick(ids), rng.pick(ids)]);
        else if (op === 3 && ids.length > 0) outbox.setSentClock(rng.pick(ids), rng.pick([undefined, rng.int(1, 9)]));
        else if (op === 4 && ids.length > 0) outbox.replacePayload(rng.pick(ids), payload(step, rng.pick(SIZES)));
        else outbox.count();
      };
      if (rng.chance(0.15)) {
        expect(() =>
          db.transaction(() => {
            write();
            ids.push(outbox.add(workspaceId, stream, 'update', payload(step), step));
            outbox.count();
            throw new Error('undone');
          }),
        ).toThrow('undone');
      } else {
        write();
      }
      const fresh = new Outbox(db);
      const where = `seed ${String(seed)}, step ${String(step)}`;
      expect(outbox.count(), where).toBe(db.db.prepare('SELECT count(*) FROM sync_outbox', { pluck: true }).get());
      expect(outbox.count(), where).toBe(fresh.count());
      for (const [w, s] of STREAMS) {
        const queued = fresh.all(w, s);
        expect(outbox.head(w, s, 3).map(view), `${where}: ${w} ${s}`).toEqual(queued.slice(0, 3).map(view));
        for (const entry of queued) expect(outbox.isOnlyEntry(w, s, entry.id), where).toBe(queued.length === 1);
        for (let clock = 1; clock <= 9; clock++) expect(view(outbox.bySentClock(w, s, clock)), where).toEqual(view(fresh.bySentClock(w, s, clock)));
      }
      for (const id of ids) expect(view(outbox.get(id)), where).toEqual(view(fresh.get(id)));
    }
  });
});
