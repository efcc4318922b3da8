import { Prng } from '@yhteispoyta/test-support/prng';
import { describe, expect, it, vi } from 'vitest';
import { Outbox } from './outbox';
import { LOOK_ALIKE_STREAMS as STREAMS, syncProfiles } from './testkit/sync-profiles';

const profile = syncProfiles('yp-outbox-');

const payload = (n: number): Uint8Array => new Uint8Array([n & 0xff, 7]);

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
        if (op <= 1) ids.push(outbox.add(workspaceId, stream, 'update', payload(step), step));
        else if (op === 2 && ids.length > 0) outbox.remove([rng.pick(ids), rng.pick(ids)]);
        else if (op === 3 && ids.length > 0) outbox.setSentClock(rng.pick(ids), rng.pick([undefined, rng.int(1, 9)]));
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
        expect(outbox.head(w, s, 3), `${where}: ${w} ${s}`).toEqual(queued.slice(0, 3));
        for (const entry of queued) expect(outbox.isOnlyEntry(w, s, entry.id), where).toBe(queued.length === 1);
        for (let clock = 1; clock <= 9; clock++) expect(outbox.bySentClock(w, s, clock), where).toEqual(fresh.bySentClock(w, s, clock));
      }
      for (const id of ids) expect(outbox.get(id), where).toEqual(fresh.get(id));
    }
  });
});
