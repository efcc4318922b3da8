import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { judgeFreshness } from './freshness';
import { eventHash, GENESIS_PREV_HASH, replayChain, signEvent } from './membership';
import type { ChainState, UnsignedMembershipEvent } from './membership';
import { deviceKey } from './types';
import type { DeviceRef, EnvelopeHeader, MemberInfo, MembershipEvent, MembershipEventType, MembershipPayloads } from './types';

const WS = 'case-freshness';
const T0 = 1_732_000_000_000;
const GRACE = 1000;

const keys = new Map<string, IdentityKeyPair>();
function actor(userId: string): { ref: DeviceRef; keys: IdentityKeyPair } {
  const pair = IdentityKeyPair.generate();
  keys.set(deviceKey({ userId, deviceId: 1 }), pair);
  return { ref: { userId, deviceId: 1 }, keys: pair };
}
const anna = actor('anna');
const carl = actor('carl');
const sini = actor('sini');
const info = (userId: string, owner = false): MemberInfo => ({
  userId, orgId: 'org', role: 'social_worker', owner, devices: [{ deviceId: 1, keyHash: '1'.padStart(64, '0') }],
});

function next<T extends MembershipEventType>(chain: MembershipEvent[], by: { ref: DeviceRef; keys: IdentityKeyPair }, type: T, payload: MembershipPayloads[T]): MembershipEvent[] {
  const last = chain.at(-1);
  const unsigned = {
    workspaceId: WS, seq: last === undefined ? 0 : last.seq + 1, prevHash: last === undefined ? GENESIS_PREV_HASH : eventHash(last),
    type, payload, author: by.ref, at: T0 + chain.length * 10_000,
  } as UnsignedMembershipEvent<T>;
  return [...chain, signEvent(unsigned, by.keys.privateKey) as MembershipEvent];
}

function state(chain: readonly MembershipEvent[]): ChainState {
  const r = replayChain(chain, (ref) => keys.get(deviceKey(ref))?.publicKey);
  if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
  return r.state;
}

// seq 0 create, 1 add carl, 2 add sini, 3 remove carl, 4 rotate to epoch 2 (at T0 + 40 s) cutting carl at chat clock 7.
let chain = next([], anna, 'create', { kind: 'consultation', labelCommitment: 'c'.repeat(64), creator: info('anna', true) });
chain = next(chain, anna, 'add_member', { member: info('carl') });
chain = next(chain, anna, 'add_member', { member: info('sini') });
const beforeRemoval = chain;
chain = next(chain, anna, 'remove_member', { userId: 'carl' });
chain = next(chain, anna, 'rotate_epoch', { epoch: 2, cut: [{ device: 'carl.1', stream: 'chat', clock: 7 }] });
const rotatedAt = T0 + 4 * 10_000;
const headOf = (c: readonly MembershipEvent[]) => ({ seq: c.length - 1, hash: eventHash(c.at(-1) as MembershipEvent) });

const header = (over: Partial<EnvelopeHeader>): EnvelopeHeader => ({
  v: 2, workspaceId: WS, stream: 'chat', kind: 'chat', epoch: 2, author: sini.ref, clock: 1, snapshotId: '', sentAt: rotatedAt + 60_000,
  chainHead: headOf(chain), ...over,
});

describe('judgeFreshness', () => {
  const reader = state(chain);

  it('accepts an envelope sealed under the current epoch from the reader\'s head', () => {
    expect(judgeFreshness(reader, header({}), GRACE)).toEqual({ ok: true, ahead: false });
  });

  it('refuses what a member kept from seeing the removal and rotation sealed afterwards under the old epoch', () => {
    const stale = header({ epoch: 1, chainHead: headOf(beforeRemoval) });
    expect(judgeFreshness(reader, stale, GRACE)).toMatchObject({ ok: false, code: 'stale_head' });
    // What the same member sealed before the rotation (or while it was in flight) is still good.
    expect(judgeFreshness(reader, { ...stale, sentAt: rotatedAt + GRACE }, GRACE)).toMatchObject({ ok: true });
    expect(judgeFreshness(reader, { ...stale, sentAt: T0 }, GRACE)).toMatchObject({ ok: true });
  });

  it('refuses an old epoch from an author whose own head had ended it, and a forked head', () => {
    expect(judgeFreshness(reader, header({ epoch: 1, sentAt: T0 }), GRACE)).toMatchObject({ ok: false, code: 'stale_head' });
    const forked = { seq: reader.seq, hash: 'f'.repeat(64) };
    expect(judgeFreshness(reader, header({ chainHead: forked }), GRACE)).toMatchObject({ ok: false, code: 'stale_head' });
  });

  it('refuses a removed device past its cut whatever time and head it claims, and keeps what it wrote before', () => {
    const byCarl = (clock: number) => header({ author: carl.ref, epoch: 1, clock, sentAt: T0, chainHead: headOf(beforeRemoval) });
    expect(judgeFreshness(reader, byCarl(7), GRACE)).toMatchObject({ ok: true });
    expect(judgeFreshness(reader, byCarl(8), GRACE)).toMatchObject({ ok: false, code: 'past_cut' });
    expect(judgeFreshness(reader, { ...byCarl(8), chainHead: headOf(chain) }, GRACE)).toMatchObject({ ok: false, code: 'past_cut' });
    // Another stream the cut does not name is not judged by it.
    expect(judgeFreshness(reader, { ...byCarl(8), stream: 'doc:plan', kind: 'update' }, GRACE)).toMatchObject({ ok: true });
  });

  it('tells when the author has seen more of the chain than the reader', () => {
    expect(judgeFreshness(state(beforeRemoval), header({ epoch: 1, sentAt: T0 }), GRACE)).toEqual({ ok: true, ahead: true });
  });
});

describe('the clock cut in rotate_epoch', () => {
  it('is signed with the event and may not name a current member device', () => {
    const rotated = state(chain);
    expect(rotated.rotations).toEqual([{ epoch: 2, seq: 4, at: rotatedAt, cut: [{ device: 'carl.1', stream: 'chat', clock: 7 }] }]);
    const bad = next(chain.slice(0, 4), anna, 'rotate_epoch', { epoch: 2, cut: [{ device: 'sini.1', stream: 'chat', clock: 3 }] });
    const r = replayChain(bad, (ref) => keys.get(deviceKey(ref))?.publicKey);
    expect(r.ok ? 'ok' : r.code).toBe('invalid');
    const tampered = chain.map((e) => (e.type === 'rotate_epoch' ? { ...e, payload: { epoch: 2, cut: [{ device: 'carl.1', stream: 'chat', clock: 99 }] } } : e));
    const t = replayChain(tampered, (ref) => keys.get(deviceKey(ref))?.publicKey);
    expect(t.ok ? 'ok' : t.code).toBe('bad_signature');
  });
});
