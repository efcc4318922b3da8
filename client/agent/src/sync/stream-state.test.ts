import { Prng } from '@yhteispoyta/test-support/prng';
import { describe, expect, it, vi } from 'vitest';
import { StreamStateStore } from './stream-state';
import { LOOK_ALIKE_STREAMS as STREAMS, syncProfiles } from './testkit/sync-profiles';

const profile = syncProfiles('yp-stream-state-');

const bytes = (fill: number): Uint8Array<ArrayBuffer> => new Uint8Array(new ArrayBuffer(32)).fill(fill);
const AUTHORS = ['u-a.1', 'u-b.1', 'u-c.2'];

describe('StreamStateStore', () => {
  it('reads a stream row and an author clock once, then answers from memory', async () => {
    const db = await profile();
    const state = new StreamStateStore(db);
    state.advanceSeq('w1', 'doc:plan', 4);
    state.setClock('w1', 'doc:plan', 'u-a.1', 3, 4);
    const prepare = vi.spyOn(db.db, 'prepare');
    for (let i = 0; i < 5; i++) {
      expect(state.get('w1', 'doc:plan').lastSeq).toBe(4);
      expect(state.clock('w1', 'doc:plan', 'u-a.1')).toEqual({ clock: 3, seq: 4 });
      expect(state.clock('w1', 'doc:plan', 'u-b.1')).toEqual({ clock: 0, seq: 0 });
    }
    // One read of the row and one of the clock never set; the clock set is known from its write.
    expect(prepare).toHaveBeenCalledTimes(2);
    // `ensure` of a row known to exist inserts nothing.
    state.ensure('w1', 'doc:plan');
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  // What a store answers must be what is stored: every write, in any order, compared with
  // a store that has read nothing yet. The seeds are fixed, so a failure replays.
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('answers what is stored after any sequence of writes (seed %i)', async (seed) => {
    const db = await profile();
    const state = new StreamStateStore(db);
    const rng = new Prng(seed);
    for (let step = 0; step < 300; step++) {
      const [workspaceId, stream] = rng.pick(STREAMS);
      const author = rng.pick(AUTHORS);
      const op = rng.int(0, 7);
      const write = (): void => {
        if (op === 0) state.advanceSeq(workspaceId, stream, rng.int(0, 400));
        else if (op === 1) state.countUpdate(workspaceId, stream, rng.int(1, 5), rng.pick([0, rng.int(1, 400)]));
        else if (op === 2) state.setClock(workspaceId, stream, author, rng.int(0, 50), rng.pick([0, rng.int(1, 400)]));
        else if (op === 3) state.raiseClock(workspaceId, stream, author, rng.int(0, 50), rng.int(1, 400));
        else if (op === 4) {
          const id = `s${rng.int(1, 6)}`;
          state.adoptSnapshot(workspaceId, stream, { id, proof: bytes(rng.int(0, 255)), ciphertextHash: bytes(rng.int(0, 255)), epoch: rng.int(1, 5), seq: rng.int(1, 400) });
        } else if (op === 5) state.ensure(workspaceId, stream);
        else {
          // Reads, so that later writes meet kept entries.
          state.get(workspaceId, stream);
          state.clock(workspaceId, stream, author);
        }
      };
      if (rng.chance(0.1)) {
        // A write undone by its transaction's rollback.
        expect(() =>
          db.transaction(() => {
            write();
            state.get(workspaceId, stream);
            state.clock(workspaceId, stream, author);
            throw new Error('undone');
          }),
        ).toThrow('undone');
      } else {
        write();
      }
      const fresh = new StreamStateStore(db);
      for (const [w, s] of STREAMS) {
        expect(state.get(w, s), `seed ${seed}, step ${step}: row ${w} ${s}`).toEqual(fresh.get(w, s));
        for (const a of AUTHORS) expect(state.clock(w, s, a), `seed ${seed}, step ${step}: clock ${a}`).toEqual(fresh.clock(w, s, a));
      }
    }
  });
});
