import { afterEach, describe, expect, it } from 'vitest';
import type { PresenceNotice } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { decodePresence, encodePresence } from './presence-codec';
import { PresenceOwnership } from './presence-ownership';
import { isOf, SyncWorld } from './testkit/sync-world';

let world: SyncWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('presence', () => {
  it('round-trips the codec and refuses what is not a document presence', () => {
    const encoded = encodePresence('doc:plan', new Uint8Array([1, 2, 3]));
    expect(decodePresence(encoded)).toEqual({ stream: 'doc:plan', update: new Uint8Array([1, 2, 3]) });
    expect(() => encodePresence('chat', new Uint8Array())).toThrow(RangeError);
    expect(decodePresence(new Uint8Array([2, 0, 0]))).toBeUndefined();
    expect(decodePresence(encoded.subarray(0, 5))).toBeUndefined();
    const notDoc = encodePresence('doc:plan', new Uint8Array());
    notDoc.set(new TextEncoder().encode('chat:pla'), 3);
    expect(decodePresence(notDoc)).toBeUndefined();
  });

  it('is sealed, verified and delivered to the other members, never stored; replays and forgeries are reported', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    const WS = world.workspaceId;
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    await a.sync.documents.open(WS, 'doc:plan');
    await b.sync.documents.open(WS, 'doc:plan');
    await world.settle();
    const seen: [string, string, DeviceRef, number[]][] = [];
    b.sync.documents.onPresence((ws, stream, from, update) => seen.push([ws, stream, from, [...update]]));
    const notices: PresenceNotice[] = [];
    world.intercept = (t) => {
      if (t.kind === 'notice' && t.event === 'presence' && isOf(t, b)) notices.push(t.payload as PresenceNotice);
      return undefined;
    };
    await a.sync.documents.sendPresence(WS, 'doc:plan', new Uint8Array([7, 7, 7]));
    await world.settle();
    expect(seen).toEqual([[WS, 'doc:plan', a.ref, [7, 7, 7]]]);
    expect((await world.records()).filter((r) => r.stream === 'presence')).toEqual([]);
    const first = notices[0];
    if (first === undefined) throw new Error('no presence delivered');
    world.server.inject(b.link, 'presence', first);
    const flipped = new Uint8Array(first.envelope.signature);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    world.server.inject(b.link, 'presence', { ...first, envelope: { ...first.envelope, signature: flipped } });
    await world.settle();
    expect(b.problems.map((p) => p.code)).toEqual(['replay', 'bad_signature']);
    expect(seen).toHaveLength(1);
    await a.sync.documents.sendPresence(WS, 'doc:plan', new Uint8Array([8]));
    await world.settle();
    expect(seen.at(-1)?.[3]).toEqual([8]);
  });
});

describe('presence ownership', () => {
  const entry = (clientId: number) => ({ clientId, clock: 1, state: '{}' });
  const [sini, eve] = [{ userId: 'sini', deviceId: 1 }, { userId: 'eve', deviceId: 1 }];

  it('lets a device speak only for clients that are neither this device\'s own nor claimed by another device first', () => {
    const owners = new PresenceOwnership();
    expect(owners.admit(sini, [entry(1), entry(2)], new Set([2]))).toEqual([entry(1)]);
    expect(owners.isRemote(1)).toBe(true);
    expect(owners.admit(eve, [entry(1), entry(3)], new Set())).toEqual([entry(3)]);
    expect(owners.admit(sini, [entry(1)], new Set())).toEqual([entry(1)]);
    owners.forget([1]);
    expect(owners.isRemote(1)).toBe(false);
    expect(owners.admit(eve, [entry(1)], new Set())).toEqual([entry(1)]);
  });
});
