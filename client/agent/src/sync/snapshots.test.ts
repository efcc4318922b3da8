import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { decodeHeader } from '@yhteispoyta/crypto/header';
import { deviceKey, PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import { isOf, SyncWorld } from './testkit/sync-world';
import type { WorldAgent } from './testkit/sync-world';
import { edit } from './testkit/local-edit';

const PLAN = 'doc:plan';
let world: SyncWorld | undefined;
let WS = '';

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function plan(agent: WorldAgent): Promise<Y.Text> {
  return (await agent.sync.documents.open(WS, PLAN)).getText('t');
}

async function snapshots(w: SyncWorld) {
  return (await w.records(PLAN)).filter((r) => r.kind === 'snapshot');
}

async function create(members: readonly string[], options: Parameters<typeof SyncWorld.create>[1] = {}): Promise<SyncWorld> {
  world = await SyncWorld.create(members, options);
  WS = world.workspaceId;
  return world;
}

async function join(w: SyncWorld, name: string, epoch = 1): Promise<WorldAgent> {
  const agent = await w.addAgent(name);
  const owner = w.agent('anna');
  await w.append(owner, 'add_member', { member: w.memberInfo(agent) });
  agent.keys.addEpochKey(WS, epoch, w.epochKey(epoch));
  return agent;
}

describe('snapshots', () => {
  it('are made once more than compactionThreshold updates sit on the active one, and a new member starts from them', async () => {
    world = await create(['anna', 'ben'], { config: { compactionThreshold: 4 } });
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    const [ta, tb] = [await plan(a), await plan(b)];
    for (let i = 0; i < 6; i++) {
      edit(i % 2 === 0 ? ta : tb, (x) => x.insert(0, `${i}`));
      await world.settle();
    }
    const made = await snapshots(world);
    // Both saw the threshold pass; the server kept exactly one snapshot on the empty parent.
    expect(made.length).toBe(1);
    expect(made[0]?.parentSnapshotId).toBe('');
    expect(await world.activeSnapshot(PLAN)).toBe(made[0]?.snapshotId);
    expect([...a.problems, ...b.problems]).toEqual([]);
    // Both build on it now.
    edit(ta, (x) => x.insert(0, 'x'));
    await world.settle();
    expect((await world.records(PLAN)).at(-1)?.snapshotId).toBe(made[0]?.snapshotId);

    // A new member's join answers the snapshot and only the updates on it.
    const dan = await join(world, 'dan');
    const td = await plan(dan);
    await world.settle();
    expect(td.toString()).toBe(ta.toString());
    expect(await dan.sync.documents.stateHash(WS, PLAN)).toBe(await a.sync.documents.stateHash(WS, PLAN));
    expect(dan.problems).toEqual([]);
  });

  it('a snapshot whose parentProof does not extend the chain is refused as snapshot_chain', async () => {
    world = await create(['anna', 'ben'], { config: { compactionThreshold: 2 } });
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    const [ta, tb] = [await plan(a), await plan(b)];
    for (let i = 0; i < 3; i++) {
      edit(ta, (x) => x.insert(0, `${i}`));
      await world.settle();
    }
    const first = (await snapshots(world))[0];
    expect(first).toBeDefined();
    // Ben sees a second snapshot that claims the first as parent but carries another proof.
    const hashBefore = await b.sync.documents.stateHash(WS, PLAN);
    if (first === undefined) throw new Error('no snapshot');
    const forged = sealEnvelope({
      header: {
        v: PROTOCOL_VERSION,
        workspaceId: WS,
        stream: PLAN,
        kind: 'snapshot',
        epoch: 1,
        author: a.ref,
        clock: 0,
        snapshotId: 'forgedsnapshot',
        parentSnapshotId: first.snapshotId,
        parentProof: randomBytes(32),
        coveredClocks: {},
        sentAt: Date.now(),
        chainHead: await world.chainHead(),
      },
      plaintext: new Uint8Array([0, 0]),
      epochKey: world.epochKey(1),
      identityKey: a.keyPair.privateKey,
    });
    world.server.inject(b.link, 'envelope', { workspaceId: WS, stream: PLAN, stored: { seq: 990, envelope: forged, receivedAt: Date.now() } });
    await world.settle();
    expect(b.problems.map((p) => p.code)).toEqual(['snapshot_chain']);
    expect(await b.sync.documents.stateHash(WS, PLAN)).toBe(hashBefore);
    expect(tb.toString()).toBe(ta.toString());
  });

  it('an update refused as stale_snapshot is rebased on the new snapshot and nothing is lost', async () => {
    world = await create(['anna', 'ben'], { config: { compactionThreshold: 3 } });
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    const [ta, tb] = [await plan(a), await plan(b)];
    await world.settle();
    // Ben hears nothing live, so he does not learn of anna's snapshot before he pushes.
    world.intercept = (t) => (t.kind === 'notice' && isOf(t, b) ? 'drop' : undefined);
    for (let i = 0; i < 5; i++) {
      edit(ta, (x) => x.insert(ta.length, `a${i} `));
      await world.settle();
    }
    expect((await snapshots(world)).length).toBe(1);
    edit(tb, (x) => x.insert(0, 'ben offline-ish '));
    await world.settle();
    expect(world.refusals).toContainEqual({ event: 'push', code: 'stale_snapshot' });
    world.intercept = undefined;
    await world.settle();
    expect(ta.toString()).toContain('ben offline-ish');
    expect(tb.toString()).toBe(ta.toString());
    expect(await b.sync.documents.stateHash(WS, PLAN)).toBe(await a.sync.documents.stateHash(WS, PLAN));
    expect([...a.problems, ...b.problems]).toEqual([]);
    const last = (await world.records(PLAN)).at(-1);
    expect(last?.authorKey).toBe(deviceKey(b.ref));
    expect(last?.snapshotId).toBe((await snapshots(world))[0]?.snapshotId);
  });

  it('after a removal nothing is sealed until the rotation, then the content moves to the new epoch in a snapshot', async () => {
    world = await create(['anna', 'ben', 'cai']);
    const [a, b, c] = [world.agent('anna'), world.agent('ben'), world.agent('cai')];
    const [ta, tb] = [await plan(a), await plan(b)];
    await plan(c);
    edit(ta, (x) => x.insert(0, 'ennen poistoa '));
    await world.settle();
    await world.append(a, 'remove_member', { userId: c.ref.userId });
    edit(ta, (x) => x.insert(ta.length, 'poiston jälkeen'));
    await world.settle();
    // rotationRequired: the edit waits in the outbox instead of going out under the old key
    expect(a.sync.documents.status().pending).toBe(1);
    expect(tb.toString()).toBe('ennen poistoa ');
    world.epochKeys.set(2, randomBytes(32));
    await world.append(a, 'rotate_epoch', { epoch: 2 });
    a.keys.addEpochKey(WS, 2, world.epochKey(2));
    b.keys.addEpochKey(WS, 2, world.epochKey(2));
    await world.settle();
    expect(tb.toString()).toBe('ennen poistoa poiston jälkeen');
    const after = (await world.records(PLAN)).filter((r) => r.stored.seq > 1);
    for (const r of after) {
      const header = decodeHeader(r.stored.envelope.header);
      expect(header.ok && header.header.epoch).toBe(2);
    }
    // The whole document now exists under epoch 2: a member given only that key can read it.
    const epochs = (await snapshots(world)).map((s) => {
      const h = decodeHeader(s.stored.envelope.header);
      return h.ok ? h.header.epoch : 0;
    });
    expect(epochs).toContain(2);
    const dan = await join(world, 'dan', 2);
    const td = await plan(dan);
    await world.settle();
    expect(td.toString()).toBe('ennen poistoa poiston jälkeen');
    expect(dan.problems).toEqual([]);
  });
});
