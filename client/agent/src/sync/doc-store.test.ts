import { Prng } from '@yhteispoyta/test-support/prng';
import { describe, expect, it, vi } from 'vitest';
import { DocStore } from './doc-store';
import { LOOK_ALIKE_STREAMS as STREAMS, syncProfiles } from './testkit/sync-profiles';

const profile = syncProfiles('yp-doc-store-');

const update = (n: number): Uint8Array => new Uint8Array([n & 0xff, 1, 2, 3]);

describe('DocStore', () => {
  it('counts a stream once, then follows its own appends and folds without reading', async () => {
    const db = await profile();
    const store = new DocStore(db);
    store.append('w1', 'doc:plan', update(1));
    expect(store.rowCount('w1', 'doc:plan')).toBe(1);
    const prepare = vi.spyOn(db.db, 'prepare');
    store.append('w1', 'doc:plan', update(2));
    expect(store.rowCount('w1', 'doc:plan')).toBe(2);
    store.fold('w1', 'doc:plan', update(3));
    expect(store.rowCount('w1', 'doc:plan')).toBe(0);
    const sql = prepare.mock.calls.map(([text]) => text);
    expect(sql.filter((text) => text.includes('count(*)'))).toEqual([]);
  });

  // The count must be what is stored: appends, folds and rolled-back writes in any order,
  // compared with a store that has counted nothing yet. Fixed seeds, so a failure replays.
  it.each([1, 2, 3, 4, 5, 6])('answers the stored row count after any sequence of writes (seed %i)', async (seed) => {
    const db = await profile();
    const store = new DocStore(db);
    const rng = new Prng(seed);
    for (let step = 0; step < 200; step++) {
      const [workspaceId, stream] = rng.pick(STREAMS);
      const op = rng.int(0, 5);
      const write = (): void => {
        if (op <= 2) store.append(workspaceId, stream, update(step));
        else if (op === 3) store.fold(workspaceId, stream, update(step));
        else store.rowCount(workspaceId, stream);
      };
      if (rng.chance(0.15)) {
        // Writes undone by their transaction's rollback, after the count was asked inside it.
        expect(() =>
          db.transaction(() => {
            write();
            store.append(workspaceId, stream, update(step));
            store.rowCount(workspaceId, stream);
            throw new Error('undone');
          }),
        ).toThrow('undone');
      } else {
        write();
      }
      const fresh = new DocStore(db);
      for (const [w, s] of STREAMS) {
        expect(store.rowCount(w, s), `seed ${String(seed)}, step ${String(step)}: ${w} ${s}`).toBe(fresh.rowCount(w, s));
        expect(store.rowCount(w, s)).toBe(store.load(w, s).length - (hasBase(db, w, s) ? 1 : 0));
      }
    }
  });
});

function hasBase(db: Awaited<ReturnType<typeof profile>>, workspaceId: string, stream: string): boolean {
  return db.db.prepare('SELECT 1 FROM sync_doc_state WHERE workspace_id = ? AND stream = ?').get([workspaceId, stream]) !== undefined;
}
