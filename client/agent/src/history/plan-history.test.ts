/**
 * Plan history across devices: each person's editing session is a version on every device
 * that saw it, with the verified author; people typing at the same moment share one
 * version; a version's state reads like the plan did; a restore is an ordinary edit the
 * others receive; snapshots are versions too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SyncWorld } from '../sync/testkit/sync-world';
import type { WorldAgent } from '../sync/testkit/sync-world';
import { edit } from '../sync/testkit/local-edit';

const PLAN = 'doc:plan';
let world: SyncWorld | undefined;
/** The agents' clock: a test moves it to put pauses between editing sessions. */
let clock = Date.now();
const now = () => clock;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  return p;
}

async function fragment(agent: WorldAgent, ws: string): Promise<Y.XmlFragment> {
  return (await agent.sync.documents.open(ws, PLAN)).getXmlFragment('default');
}

function textOf(state: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return doc.getXmlFragment('default').toString();
}

describe('plan history', () => {
  it('lists each session by its verified author on both devices; a restore reaches the other as an edit', async () => {
    world = await SyncWorld.create(['anna', 'ben'], { now });
    const ws = world.workspaceId;
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    const [fa, fb] = [await fragment(a, ws), await fragment(b, ws)];

    edit(fa, (f) => f.insert(0, [paragraph('Annan ensimmäinen versio')]));
    await world.settle();
    clock += 30_000;
    edit(fb, (f) => f.insert(1, [paragraph('Benin lisäys')]));
    await world.settle();
    clock += 30_000;
    edit(fb, (f) => f.insert(2, [paragraph('Benin toinen lisäys')]));
    await world.settle();

    for (const agent of [a, b]) {
      const versions = await agent.sync.documents.versions(ws, PLAN);
      // Newest first: Ben's one session (two edits), then Anna's.
      expect(versions.map((v) => [v.kind, v.author.userId])).toEqual([
        ['checkpoint', b.device.self.userId],
        ['checkpoint', a.device.self.userId],
      ]);
      const annas = await agent.sync.documents.version(ws, PLAN, versions[1]?.versionId ?? 0);
      // Anna's version holds what she left, not Ben's edits after it.
      expect(textOf(annas?.state ?? new Uint8Array())).toBe('<paragraph>Annan ensimmäinen versio</paragraph>');
    }

    clock += 30_000;
    const annasOnBen = (await b.sync.documents.versions(ws, PLAN))[1];
    expect(await b.sync.documents.restoreVersion(ws, PLAN, annasOnBen?.versionId ?? 0)).toBe(true);
    await world.settle();
    expect(fa.toString()).toBe('<paragraph>Annan ensimmäinen versio</paragraph>');
    expect(fb.toString()).toBe(fa.toString());
    // The restore is Ben's own new session on Anna's device.
    expect((await a.sync.documents.versions(ws, PLAN))[0]?.author.userId).toBe(b.device.self.userId);
    expect(await b.sync.documents.restoreVersion(ws, PLAN, 999_999)).toBeUndefined();
    // The workspace list counts these edits as activity.
    for (const agent of [a, b]) expect(agent.sync.documents.lastEditAt(ws)).toBeGreaterThan(0);
    expect(a.sync.documents.lastEditAt('no-such-workspace')).toBe(0);
    expect([...a.problems, ...b.problems]).toEqual([]);
  });

  it('people typing at the same moment share one version naming them all, not one version per alternation', async () => {
    world = await SyncWorld.create(['anna', 'ben', 'cecilia'], { now });
    const ws = world.workspaceId;
    const [a, b, c] = [world.agent('anna'), world.agent('ben'), world.agent('cecilia')];
    const [fa, fb, fc] = [await fragment(a, ws), await fragment(b, ws), await fragment(c, ws)];

    edit(fa, (f) => f.insert(0, [paragraph('Annan aloitus')]));
    await world.settle();
    clock += 30_000;
    // Ben and Anna take turns a second apart, twenty times: one meeting typing together.
    for (let i = 0; i < 20; i++) {
      clock += 1_000;
      edit(i % 2 === 0 ? fb : fa, (f) => f.insert(f.length, [paragraph(`vuoro ${i}`)]));
      await world.settle();
    }
    clock += 30_000;
    // Cecilia afterwards, alone: a version of her own.
    edit(fc, (f) => f.insert(0, [paragraph('Cecilian lisäys')]));
    await world.settle();

    for (const agent of [a, b, c]) {
      const versions = await agent.sync.documents.versions(ws, PLAN);
      expect(versions.map((v) => [v.author.userId, v.coauthors.map((co) => co.userId)])).toEqual([
        [c.device.self.userId, []],
        [b.device.self.userId, [a.device.self.userId]],
        [a.device.self.userId, []],
      ]);
      // The shared version holds what the two left, before Cecilia's change.
      const shared = await agent.sync.documents.version(ws, PLAN, versions[1]?.versionId ?? 0);
      expect(textOf(shared?.state ?? new Uint8Array())).toMatch(/^<paragraph>Annan aloitus<\/paragraph>(<paragraph>vuoro \d+<\/paragraph>){20}$/);
      expect(textOf(shared?.state ?? new Uint8Array())).not.toContain('Cecilian');
    }
    expect([...a.problems, ...b.problems, ...c.problems]).toEqual([]);
  });

  it('records a verified snapshot as a version of its own', async () => {
    world = await SyncWorld.create(['anna', 'ben'], { config: { compactionThreshold: 2 } });
    const ws = world.workspaceId;
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    const fa = await fragment(a, ws);
    await fragment(b, ws);
    for (let i = 0; i < 4; i++) {
      edit(fa, (f) => f.insert(0, [paragraph(`rivi ${i}`)]));
      await world.settle();
    }
    const snapshots = (await b.sync.documents.versions(ws, PLAN)).filter((v) => v.kind === 'snapshot');
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots[0]?.author.userId).toBe(a.device.self.userId);
  });
});
