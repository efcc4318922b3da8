import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { placeClients } from './fleet';
import { joinArrivals, membersOf, runTypingWorkload } from './workload';
import type { Arrival, EditMade } from './workload';

describe('joinArrivals', () => {
  const members = membersOf([
    { group: 0, client: 0 },
    { group: 0, client: 1 },
    { group: 0, client: 2 },
  ]);
  const edit = (endClock: number, at: number): EditMade => ({ group: 0, client: 0, author: 77, endClock, at });
  const arrival = (client: number, clock: number, at: number): Arrival => ({ group: 0, client, author: 77, clock, at });

  it('times each edit at each other client by the first arrival reaching its end clock', () => {
    const { latencies, lost } = joinArrivals(
      [edit(3, 100), edit(5, 110)],
      // client 1 gets both edits separately; client 2 gets them merged in one arrival
      [arrival(1, 3, 104), arrival(1, 5, 111.5), arrival(2, 5, 130)],
      members,
    );
    expect(lost).toBe(0);
    expect(latencies.sort((a, b) => a - b)).toEqual([1.5, 4, 20, 30]);
  });

  it('counts a pair without such an arrival as lost, and never times the author itself', () => {
    const { latencies, lost } = joinArrivals([edit(3, 100)], [arrival(1, 2, 101), arrival(0, 3, 101)], members);
    expect(latencies).toEqual([]);
    expect(lost).toBe(2);
  });

  it('keeps workspaces and authors apart', () => {
    const other: Arrival = { group: 1, client: 1, author: 77, clock: 3, at: 101 };
    const otherAuthor: Arrival = { group: 0, client: 1, author: 78, clock: 3, at: 101 };
    expect(joinArrivals([edit(3, 100)], [other, otherAuthor], members).lost).toBe(2);
  });
});

describe('placeClients', () => {
  it('puts a workspace’s clients in different processes when there are enough, and balances them', () => {
    const places = placeClients(50, 5, 10);
    expect(places.map((p) => p.length)).toEqual(Array.from({ length: 10 }, () => 25));
    for (let group = 0; group < 50; group++) {
      const holders = places.flatMap((p, index) => (p.some((place) => place.group === group) ? [index] : []));
      expect(holders).toHaveLength(5);
    }
    // one workspace: its five clients in the first five processes
    expect(placeClients(1, 5, 10).map((p) => p.length)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('places every client exactly once when processes are fewer than clients', () => {
    const all = placeClients(2, 3, 2).flat();
    expect(all).toHaveLength(6);
    expect(new Set(all.map((p) => `${p.group}:${p.client}`)).size).toBe(6);
  });
});

describe('runTypingWorkload', () => {
  it('times every inserting edit at every other document of its workspace, and only there', async () => {
    // two workspaces of three documents, each relaying its updates to its own workspace at once
    const groups = [0, 1].map(() => [new Y.Doc(), new Y.Doc(), new Y.Doc()]);
    for (const docs of groups) {
      for (const doc of docs) {
        doc.on('update', (update: Uint8Array, origin: unknown) => {
          if (origin === 'relay') return;
          for (const other of docs) if (other !== doc) Y.applyUpdate(other, update, 'relay');
        });
      }
    }
    // the local transactions that moved their own document's clock: the inserting edits
    let inserts = 0;
    for (const doc of groups.flat()) {
      doc.on('afterTransaction', (tr: Y.Transaction) => {
        if (tr.local && tr.afterState.get(doc.clientID) !== tr.beforeState.get(doc.clientID)) inserts += 1;
      });
    }
    const result = await runTypingWorkload(groups, { durationMs: 1500, seed: 7, drainMs: 1000 });
    expect(result.lost).toBe(0);
    expect(inserts).toBeGreaterThan(0);
    // deletions are not timed; each insert is timed at the two other documents of its workspace
    expect(result.latencies).toHaveLength(2 * inserts);
    for (const latency of result.latencies) expect(latency).toBeGreaterThanOrEqual(0);
    for (const docs of groups) {
      const texts = docs.map((doc) => doc.getText('plan').toString());
      expect(new Set(texts).size).toBe(1);
    }
  });
});
