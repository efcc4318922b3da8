import { afterEach, describe, expect, it } from 'vitest';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { SyncStatus } from '../contracts';
import { isOf, SyncWorld } from './testkit/sync-world';
import { edit } from './testkit/local-edit';

const PLAN = 'doc:plan';
let world: SyncWorld | undefined;
let WS = '';

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the outbox pump', () => {
  it('publishes status: link, pending count and workspaces catching up', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    WS = world.workspaceId;
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
    WS = world.workspaceId;
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    const [ta, tb] = [(await a.sync.documents.open(WS, PLAN)).getText('t'), (await b.sync.documents.open(WS, PLAN)).getText('t')];
    await world.settle();
    // The server's view drops anna while her own verified chain still lists her: it
    // refuses her pushes as a server refuses a device that is no member (on its own, past the core).
    const chain = await world.chain();
    let refused = 0;
    world.intercept = (t) => {
      if (t.kind !== 'request' || t.event !== 'push' || !isOf(t, a)) return undefined;
      refused += 1;
      return { answer: { ok: false, error: { code: 'forbidden', message: 'not a member device of this workspace' } } };
    };
    edit(ta, (x) => x.insert(0, 'eka'));
    await world.settle();
    edit(ta, (x) => x.insert(0, 'toka '));
    await world.settle();
    expect(a.problems.map((p) => p.code)).toEqual(['forbidden']);
    expect(refused).toBe(1);
    expect(a.sync.documents.status().pending).toBeGreaterThan(0);
    world.intercept = undefined;
    a.keys.setChain(chain);
    await world.settle();
    expect(tb.toString()).toBe('toka eka');
    expect(a.sync.documents.status().pending).toBe(0);
  });

  it('resynchronises its clock when the server has lost envelopes, and reports it', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    WS = world.workspaceId;
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    const ta = (await a.sync.documents.open(WS, PLAN)).getText('t');
    await b.sync.documents.open(WS, PLAN);
    edit(ta, (x) => x.insert(0, 'yksi'));
    await world.settle();
    edit(ta, (x) => x.insert(4, ' kaksi'));
    await world.settle();
    // The operator restores the store from a backup taken before anna wrote: her envelopes and clocks are gone.
    world.server.sql('DELETE FROM envelopes WHERE workspace_id = ? AND author_key = ?', WS, deviceKey(a.ref));
    world.server.sql('DELETE FROM stream_clocks WHERE workspace_id = ? AND author_key = ?', WS, deviceKey(a.ref));
    edit(ta, (x) => x.insert(0, 'kolme '));
    await world.settle();
    expect(world.refusals).toContainEqual({ event: 'push', code: 'clock_gap' });
    expect(a.problems.map((p) => p.code)).toEqual(['clock_gap']);
    expect(a.sync.documents.status().pending).toBe(0);
    const last = (await world.records(PLAN)).at(-1);
    expect([last?.authorKey, last?.clock]).toEqual([deviceKey(a.ref), 1]);
    // To a reader the re-used clock is a replay: reported, not applied.
    expect(b.problems.map((p) => p.code)).toEqual(['replay']);
  });
});
