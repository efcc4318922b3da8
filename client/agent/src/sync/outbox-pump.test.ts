import { afterEach, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../contracts';
import { SyncWorld } from './testkit/sync-world';
import { edit } from './testkit/local-edit';

const WS = 'ws1';
const PLAN = 'doc:plan';
let world: SyncWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the outbox pump', () => {
  it('publishes status: link, pending count and workspaces catching up', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    const a = world.agent('anna');
    const statuses: SyncStatus[] = [];
    a.sync.documents.onStatus((s) => statuses.push(s));
    const doc = await a.sync.documents.open(WS, PLAN);
    await world.settle();
    expect(statuses.some((s) => s.syncing.includes(WS))).toBe(true);
    a.link.setOnline(false);
    edit(doc.getText('t'), (x) => x.insert(0, 'odottaa'));
    await a.sync.documents.flush();
    expect(statuses.at(-1)).toEqual({ link: 'offline', pending: 1, syncing: [] });
    a.link.setOnline(true);
    await world.settle();
    expect(statuses.at(-1)).toEqual({ link: 'online', pending: 0, syncing: [] });
  });

  it('stops pushing to a workspace the server refuses as forbidden, and resumes after a membership change', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    const [ta, tb] = [(await a.sync.documents.open(WS, PLAN)).getText('t'), (await b.sync.documents.open(WS, PLAN)).getText('t')];
    await world.settle();
    // The relay's chain drops anna while her own verified chain still lists her.
    const chain = world.chain();
    if (chain === undefined) throw new Error('no chain');
    world.relay.setChain({ ...chain, devices: chain.devices.filter((d) => d.userId !== 'anna') });
    edit(ta, (x) => x.insert(0, 'eka'));
    await world.settle();
    edit(ta, (x) => x.insert(0, 'toka '));
    await world.settle();
    expect(a.problems.map((p) => p.code)).toEqual(['forbidden']);
    expect(world.relay.refusals.filter((r) => r.code === 'forbidden')).toHaveLength(1);
    expect(a.sync.documents.status().pending).toBeGreaterThan(0);
    world.relay.setChain(chain);
    a.keys.setChain(chain);
    await world.settle();
    expect(tb.toString()).toBe('toka eka');
    expect(a.sync.documents.status().pending).toBe(0);
  });

  it('resynchronises its clock when the server has lost envelopes, and reports it', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    const ta = (await a.sync.documents.open(WS, PLAN)).getText('t');
    await b.sync.documents.open(WS, PLAN);
    edit(ta, (x) => x.insert(0, 'yksi'));
    await world.settle();
    edit(ta, (x) => x.insert(4, ' kaksi'));
    await world.settle();
    world.relay.forgetClocks();
    edit(ta, (x) => x.insert(0, 'kolme '));
    await world.settle();
    expect(world.relay.refusals).toContainEqual({ event: 'push', code: 'clock_gap' });
    expect(a.problems.map((p) => p.code)).toEqual(['clock_gap']);
    expect(a.sync.documents.status().pending).toBe(0);
    const last = world.relay.records(WS, PLAN).at(-1);
    expect([last?.authorKey, last?.clock]).toEqual(['anna.1', 1]);
    // To a reader the re-used clock is a replay: reported, not applied.
    expect(b.problems.map((p) => p.code)).toEqual(['replay']);
  });
});
