import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes';
import {
  appendCheck,
  eventHash,
  eventSigningBytes,
  GENESIS_PREV_HASH,
  membersByOrg,
  outsideConsent,
  parseMembershipEvent,
  replayChain,
  signEvent,
  verifyEventSignature,
} from './membership';
import type { ChainState, UnsignedMembershipEvent } from './membership';
import { textCommitment } from './workspace-texts';
import { deviceKey } from './types';
import type { DeviceRef, MemberInfo, MembershipEvent, MembershipEventType, MembershipPayloads } from './types';

const WS = 'case-2024-0117';
const T0 = 1_732_000_000_000;
const DAY = 86_400_000;

interface Actor {
  readonly ref: DeviceRef;
  readonly keys: IdentityKeyPair;
}

const registry = new Map<string, IdentityKeyPair>();
function actor(userId: string, deviceId = 1): Actor {
  const keys = IdentityKeyPair.generate();
  registry.set(deviceKey({ userId, deviceId }), keys);
  return { ref: { userId, deviceId }, keys };
}
const identityOf = (ref: DeviceRef) => registry.get(deviceKey(ref))?.publicKey;

const social = actor('sw-anna');
const social2 = actor('sw-anna', 2);
const client = actor('client-matti');
const kela = actor('kela-liisa');
const kela2 = actor('kela-pekka');
const hus = actor('hus-olli');
const outsider = actor('nobody');
const stranger = { ref: { userId: 'ghost', deviceId: 1 }, keys: IdentityKeyPair.generate() }; // key never registered

/** A chain device entry; the key hash is a fixed test value per device id (the rules only compare ids). */
const dev = (deviceId: number) => ({ deviceId, keyHash: deviceId.toString(16).padStart(64, '0') });
const member = (a: Actor, orgId: string, role: MemberInfo['role'], owner = false): MemberInfo => ({
  userId: a.ref.userId,
  orgId,
  role,
  owner,
  devices: [dev(a.ref.deviceId)],
});
const socialInfo = member(social, 'city-social', 'social_worker', true);
const clientInfo = member(client, 'citizen', 'client');
const kelaInfo = member(kela, 'kela', 'kela_expert');
const kela2Info = member(kela2, 'kela', 'kela_expert');
const husInfo = member(hus, 'hus', 'health_professional');

/** Builds signed events on top of a list, filling seq and prevHash from the last event. */
function next<T extends MembershipEventType>(
  chain: readonly MembershipEvent[],
  by: Actor,
  type: T,
  payload: MembershipPayloads[T],
  overrides: Partial<UnsignedMembershipEvent> = {},
): MembershipEvent<T> {
  const last = chain.at(-1);
  const unsigned = {
    workspaceId: WS,
    seq: last === undefined ? 0 : last.seq + 1,
    prevHash: last === undefined ? GENESIS_PREV_HASH : eventHash(last),
    type,
    payload,
    author: by.ref,
    at: T0 + chain.length * 1000,
    ...overrides,
  } as UnsignedMembershipEvent<T>;
  return signEvent(unsigned, by.keys.privateKey);
}

function chainOf(...steps: ((chain: MembershipEvent[]) => MembershipEvent)[]): MembershipEvent[] {
  const chain: MembershipEvent[] = [];
  for (const step of steps) chain.push(step(chain));
  return chain;
}

/** The chain carries commitments to the label and the purpose, never the texts (workspace-texts.ts). */
const SALT = new Uint8Array(16).fill(7);
const LABEL = textCommitment('label', 'Toimeentulo 2024', SALT);
const PURPOSE = textCommitment('purpose', 'perustoimeentulotuki', SALT);
const create = (c: MembershipEvent[]) => next(c, social, 'create', { kind: 'case', labelCommitment: LABEL, creator: socialInfo });
const addClient = (c: MembershipEvent[]) => next(c, social, 'add_member', { member: clientInfo });
const grantKela = (c: MembershipEvent[]) =>
  next(c, client, 'grant_consent', { orgIds: ['kela', 'city-social'], purposeCommitment: PURPOSE, expiresAt: T0 + DAY });
const addKela = (c: MembershipEvent[]) => next(c, social, 'add_member', { member: kelaInfo });

/** The scenario of the brief: create, add social worker device, add client, consent, add Kela experts, remove one, rotate. */
function validChain(): MembershipEvent[] {
  return chainOf(
    create,
    (c) => next(c, social, 'add_device', { userId: 'sw-anna', ...dev(2) }),
    addClient,
    grantKela,
    addKela,
    (c) => next(c, social2, 'add_member', { member: kela2Info }),
    (c) => next(c, social, 'remove_member', { userId: 'kela-pekka' }),
    (c) => next(c, kela, 'rotate_epoch', { epoch: 2 }),
  );
}

function replayed(chain: readonly unknown[]): ChainState {
  const r = replayChain(chain, identityOf);
  if (!r.ok) throw new Error(`${r.code} at ${r.seq}: ${r.detail}`);
  return r.state;
}

function expectRefused(chain: readonly unknown[], code: string, seq: number): void {
  const r = replayChain(chain, identityOf);
  expect(r.ok ? 'ok' : { code: r.code, seq: r.seq }, r.ok ? '' : r.detail).toEqual({ code, seq });
}

describe('a valid chain', () => {
  it('yields the expected members, devices, epoch and consent', () => {
    const chain = validChain();
    const state = replayed(chain);
    expect(state.workspaceId).toBe(WS);
    expect(state.kind).toBe('case');
    expect(state.labelCommitment).toBe(LABEL);
    expect(state.seq).toBe(7);
    expect(state.epoch).toBe(2);
    expect(state.closed).toBe(false);
    expect(state.rotationRequired).toBe(false);
    expect([...state.members.keys()].sort()).toEqual(['client-matti', 'kela-liisa', 'sw-anna']);
    expect(state.members.get('sw-anna')?.devices).toEqual([dev(1), dev(2)]);
    expect(state.devices).toEqual([
      { userId: 'client-matti', deviceId: 1 },
      { userId: 'kela-liisa', deviceId: 1 },
      { userId: 'sw-anna', deviceId: 1 },
      { userId: 'sw-anna', deviceId: 2 },
    ]);
    expect(state.consent).toEqual({ orgIds: ['kela', 'city-social'], purposeCommitment: PURPOSE, expiresAt: T0 + DAY, grantedBy: client.ref });
    expect(state.headHash).toBe(eventHash(chain[7]!));
  });

  it('sets rotationRequired on removal and clears it on rotate_epoch', () => {
    const chain = validChain();
    expect(replayed(chain.slice(0, 6)).rotationRequired).toBe(false);
    expect(replayed(chain.slice(0, 7)).rotationRequired).toBe(true);
    expect(replayed(chain).rotationRequired).toBe(false);
  });

  it('survives a JSON round trip, as stored and served by the server', () => {
    const json: unknown = JSON.parse(JSON.stringify(validChain()));
    expect(replayed(json as unknown[]).devices).toEqual(replayed(validChain()).devices);
  });

  it('is what appendCheck computes one event at a time, without mutating earlier states', () => {
    const chain = validChain();
    let state: ChainState | null = null;
    const seen: ChainState[] = [];
    for (const event of chain) {
      const r = appendCheck(state, event, identityOf);
      if (!r.ok) throw new Error(r.detail);
      expect(r.event).toEqual(event);
      state = r.state;
      seen.push(state);
    }
    expect(seen[2]?.members.size).toBe(2);
    expect(seen[2]?.devices).toHaveLength(3);
    expect(seen[5]?.members.size).toBe(4);
    expect(state?.headHash).toBe(replayed(chain).headHash);
  });

  it('groups members by organisation', () => {
    const byOrg = membersByOrg(replayed(validChain()));
    expect([...byOrg.keys()].sort()).toEqual(['citizen', 'city-social', 'kela']);
    expect(byOrg.get('kela')?.map((m) => m.userId)).toEqual(['kela-liisa']);
  });

  it('lets a professional join a case freely before any client is a member, and a consultation always', () => {
    expect(replayed(chainOf(create, (c) => next(c, social, 'add_member', { member: husInfo }))).members.size).toBe(2);
    const consultation = chainOf(
      (c) => next(c, social, 'create', { kind: 'consultation', labelCommitment: LABEL, creator: socialInfo }),
      (c) => next(c, social, 'add_member', { member: husInfo }),
    );
    expect(replayed(consultation).members.has('hus-olli')).toBe(true);
  });

  it('lets a member leave on his own (an invitation declined), and requires a rotation', () => {
    const chain = chainOf(create, addClient, grantKela, addKela, (c) => next(c, kela, 'remove_member', { userId: 'kela-liisa' }));
    const state = replayed(chain);
    expect(state.members.has('kela-liisa')).toBe(false);
    expect(state.rotationRequired).toBe(true);
    expect(state.devices).not.toContainEqual(kela.ref);
    // A former member signs nothing more.
    expectRefused([...chain, next(chain, kela, 'rotate_epoch', { epoch: 2 })], 'forbidden', 5);
  });

  it('lets a user add and remove his own devices', () => {
    const chain = chainOf(
      create,
      addClient,
      (c) => next(c, client, 'add_device', { userId: 'client-matti', ...dev(5) }),
      (c) => next(c, client, 'remove_device', { userId: 'client-matti', deviceId: 1 }),
    );
    const state = replayed(chain);
    expect(state.members.get('client-matti')?.devices).toEqual([dev(5)]);
    expect(state.rotationRequired).toBe(true);
  });
});

describe('attacks are rejected with their code', () => {
  it('bad signature: payload changed after signing', () => {
    const chain = validChain();
    const tampered = { ...chain[2]!, payload: { member: { ...clientInfo, owner: true } } };
    expectRefused([...chain.slice(0, 2), tampered], 'bad_signature', 2);
  });

  it('bad signature: signed by another device than the author named', () => {
    const chain = chainOf(create);
    const forged = next(chain, kela, 'add_member', { member: husInfo }, { author: social.ref });
    expectRefused([...chain, forged], 'bad_signature', 1);
  });

  it('fork: two events with seq 1', () => {
    const chain = chainOf(create);
    const a = next(chain, social, 'add_member', { member: clientInfo });
    const b = next(chain, social, 'add_member', { member: husInfo });
    expectRefused([...chain, a, b], 'fork', 1);
  });

  it('wrong prevHash', () => {
    const chain = chainOf(create, addClient);
    const bad = next(chain, social, 'add_member', { member: husInfo }, { prevHash: eventHash(chain[0]!) });
    expectRefused([...chain, bad], 'bad_prev_hash', 2);
    expectRefused([next([], social, 'create', { kind: 'case', labelCommitment: LABEL, creator: socialInfo }, { prevHash: 'a'.repeat(64) })], 'bad_prev_hash', 0);
  });

  it('gap: seq skips', () => {
    const chain = chainOf(create);
    const skip = next(chain, social, 'add_member', { member: clientInfo }, { seq: 2 });
    expectRefused([...chain, skip], 'gap', 2);
    expectRefused([next([], social, 'create', { kind: 'case', labelCommitment: LABEL, creator: socialInfo }, { seq: 1 })], 'gap', 1);
  });

  it('non-owner adds a member', () => {
    const chain = chainOf(create, addClient, grantKela, addKela);
    expectRefused([...chain, next(chain, kela, 'add_member', { member: kela2Info })], 'forbidden', 4);
    expectRefused([...chain, next(chain, client, 'add_member', { member: kela2Info })], 'forbidden', 4);
    expectRefused([...chain, next(chain, kela, 'remove_member', { userId: 'client-matti' })], 'forbidden', 4);
    expectRefused([...chain, next(chain, kela, 'close', {})], 'forbidden', 4);
  });

  it('a professional grants or revokes consent', () => {
    const chain = chainOf(create, addClient);
    expectRefused([...chain, next(chain, social, 'grant_consent', { orgIds: ['hus'], purposeCommitment: PURPOSE })], 'forbidden', 2);
    expectRefused([...chain, next(chain, social, 'revoke_consent', { orgIds: ['kela'] })], 'forbidden', 2);
  });

  it('an outsider organisation after a client joined, without consent or outside it', () => {
    const noConsent = chainOf(create, addClient);
    expectRefused([...noConsent, next(noConsent, social, 'add_member', { member: husInfo })], 'consent_scope', 2);
    const kelaOnly = chainOf(create, addClient, grantKela);
    expectRefused([...kelaOnly, next(kelaOnly, social, 'add_member', { member: husInfo })], 'consent_scope', 3);
  });

  it('expired consent', () => {
    const chain = chainOf(create, addClient, grantKela);
    const atExpiry = next(chain, social, 'add_member', { member: kelaInfo }, { at: T0 + DAY });
    expectRefused([...chain, atExpiry], 'consent_scope', 3);
    const justBefore = next(chain, social, 'add_member', { member: kelaInfo }, { at: T0 + DAY - 1 });
    expect(replayed([...chain, justBefore]).members.has('kela-liisa')).toBe(true);
  });

  it('event after close', () => {
    const chain = chainOf(create, addClient, (c) => next(c, social, 'close', {}));
    expect(replayed(chain).closed).toBe(true);
    expectRefused([...chain, next(chain, social, 'rotate_epoch', { epoch: 2 })], 'closed', 3);
  });

  it('rotate_epoch not exactly current + 1', () => {
    const chain = chainOf(create);
    expectRefused([...chain, next(chain, social, 'rotate_epoch', { epoch: 3 })], 'bad_epoch', 1);
    const rotated = chainOf(create, (c) => next(c, social, 'rotate_epoch', { epoch: 2 }));
    expectRefused([...rotated, next(rotated, social, 'rotate_epoch', { epoch: 2 })], 'bad_epoch', 2);
  });

  it('unknown author', () => {
    const chain = chainOf(create);
    expectRefused([...chain, next(chain, stranger, 'add_member', { member: husInfo })], 'unknown_author', 1);
  });

  it('an author who is known but not a member device', () => {
    const chain = chainOf(create);
    expectRefused([...chain, next(chain, outsider, 'rotate_epoch', { epoch: 2 })], 'forbidden', 1);
    const removed = chainOf(create, addClient, (c) => next(c, social, 'remove_member', { userId: 'client-matti' }));
    expectRefused([...removed, next(removed, client, 'rotate_epoch', { epoch: 2 })], 'forbidden', 3);
  });

  it('an event of another workspace', () => {
    const chain = chainOf(create);
    const other = next(chain, social, 'add_member', { member: husInfo }, { workspaceId: 'case-other' });
    expectRefused([...chain, other], 'wrong_workspace', 1);
    const r = replayChain(chain, identityOf, { workspaceId: 'case-other' });
    expect(r).toMatchObject({ ok: false, code: 'wrong_workspace', seq: 0 });
    expect(replayChain(chain, identityOf, { workspaceId: WS }).ok).toBe(true);
  });

  it('a create not signed by the owner-creator, and a second create', () => {
    expectRefused([next([], kela, 'create', { kind: 'case', labelCommitment: LABEL, creator: socialInfo })], 'forbidden', 0);
    expectRefused([next([], social, 'create', { kind: 'case', labelCommitment: LABEL, creator: { ...socialInfo, owner: false } })], 'forbidden', 0);
    const chain = chainOf(create);
    expectRefused([...chain, next(chain, social, 'create', { kind: 'case', labelCommitment: LABEL, creator: socialInfo })], 'invalid', 1);
    expectRefused([next([], social, 'rotate_epoch', { epoch: 2 })], 'invalid', 0);
  });

  it('a client in a consultation', () => {
    const consultation = chainOf((c) => next(c, social, 'create', { kind: 'consultation', labelCommitment: LABEL, creator: socialInfo }));
    expectRefused([...consultation, next(consultation, social, 'add_member', { member: clientInfo })], 'invalid', 1);
    expectRefused(
      [next([], client, 'create', { kind: 'consultation', labelCommitment: LABEL, creator: { ...clientInfo, owner: true } })],
      'forbidden',
      0,
    );
  });

  it('a workspace a client created, even a case (he could add any professional unasked)', () => {
    const own = chainOf((c) => next(c, client, 'create', { kind: 'case', labelCommitment: LABEL, creator: { ...clientInfo, owner: true } }));
    expectRefused(own, 'forbidden', 0);
    const r = replayChain(own, identityOf);
    expect(r.ok ? '' : r.detail).toBe('a client cannot create a workspace');
  });

  it('invalid membership changes', () => {
    const chain = chainOf(create, addClient);
    const at = (e: MembershipEvent) => [...chain, e];
    expectRefused(at(next(chain, social, 'add_member', { member: clientInfo })), 'invalid', 2);
    expectRefused(at(next(chain, social, 'remove_member', { userId: 'ghost' })), 'invalid', 2);
    expectRefused(at(next(chain, social, 'add_device', { userId: 'ghost', ...dev(2) })), 'invalid', 2);
    expectRefused(at(next(chain, social, 'add_device', { userId: 'client-matti', ...dev(1) })), 'invalid', 2);
    expectRefused(at(next(chain, social, 'remove_device', { userId: 'client-matti', deviceId: 9 })), 'invalid', 2);
    expectRefused(at(next(chain, client, 'add_device', { userId: 'sw-anna', ...dev(9) })), 'forbidden', 2);
    expectRefused(at(next(chain, client, 'remove_device', { userId: 'sw-anna', deviceId: 1 })), 'forbidden', 2);
  });

  it('removing the last owner or the last owner device', () => {
    const chain = chainOf(create, addClient);
    expectRefused([...chain, next(chain, social, 'remove_member', { userId: 'sw-anna' })], 'invalid', 2);
    expectRefused([...chain, next(chain, social, 'remove_device', { userId: 'sw-anna', deviceId: 1 })], 'invalid', 2);
    const twoDevices = chainOf(create, (c) => next(c, social, 'add_device', { userId: 'sw-anna', ...dev(2) }));
    const drop = next(twoDevices, social2, 'remove_device', { userId: 'sw-anna', deviceId: 1 });
    expect(replayed([...twoDevices, drop]).devices).toEqual([{ userId: 'sw-anna', deviceId: 2 }]);
  });

  it('a malformed event, with the expected seq', () => {
    const chain = chainOf(create);
    const bad = { ...next(chain, social, 'add_member', { member: husInfo }), extra: 1 };
    expectRefused([...chain, bad], 'malformed', 1);
    expectRefused([], 'malformed', 0);
  });
});

describe('revoke_consent', () => {
  it("removes the revoked organisations' professionals, narrows the consent and requires rotation", () => {
    const chain = chainOf(
      create,
      addClient,
      (c) => next(c, client, 'grant_consent', { orgIds: ['kela', 'hus', 'city-social'], purposeCommitment: PURPOSE }),
      addKela,
      (c) => next(c, social, 'add_member', { member: kela2Info }),
      (c) => next(c, social, 'add_member', { member: husInfo }),
      (c) => next(c, client, 'revoke_consent', { orgIds: ['kela'] }),
    );
    const state = replayed(chain);
    expect([...state.members.keys()].sort()).toEqual(['client-matti', 'hus-olli', 'sw-anna']);
    expect(state.devices.some((d) => d.userId.startsWith('kela'))).toBe(false);
    expect(state.consent?.orgIds).toEqual(['hus', 'city-social']);
    expect(state.rotationRequired).toBe(true);
    expectRefused([...chain, next(chain, social, 'add_member', { member: kelaInfo })], 'consent_scope', 7);
  });

  it('drops the consent entirely when nothing remains (the case then closes: nobody may own it)', () => {
    const chain = chainOf(create, addClient, grantKela, addKela, (c) =>
      next(c, client, 'revoke_consent', { orgIds: ['kela', 'city-social'], close: true }),
    );
    const state = replayed(chain);
    expect(state.consent).toBeNull();
    expect(state.closed).toBe(true);
    expect([...state.members.keys()]).toEqual(['client-matti']);
  });
});

describe('consent always matches membership (issue 13)', () => {
  const grant = (orgIds: string[], extra: { handOverTo?: string; close?: true } = {}) => (c: MembershipEvent[]) =>
    next(c, client, 'grant_consent', { orgIds, purposeCommitment: PURPOSE, ...extra });
  const revoke = (orgIds: string[], extra: { handOverTo?: string; close?: true } = {}) => (c: MembershipEvent[]) =>
    next(c, client, 'revoke_consent', { orgIds, ...extra });
  /** Kela joined before the client: the case the issue found. */
  const preConsent = () => chainOf(create, addKela, (c) => next(c, social, 'add_member', { member: husInfo }), addClient);

  it('marks members added before the client joined as outside the consent until he answers', () => {
    const state = replayed(preConsent());
    expect(state.consentAnswered).toBe(false);
    expect(outsideConsent(state)).toEqual(['hus-olli', 'kela-liisa', 'sw-anna']);
    // No client yet: nobody is outside anything.
    expect(outsideConsent(replayed(chainOf(create, addKela)))).toEqual([]);
  });

  it("the client's answer removes whom it leaves out, and requires a rotation", () => {
    const base = preConsent();
    const state = replayed([...base, grant(['city-social', 'hus'])(base)]);
    expect([...state.members.keys()].sort()).toEqual(['client-matti', 'hus-olli', 'sw-anna']);
    expect(outsideConsent(state)).toEqual([]);
    expect(state.consentAnswered).toBe(true);
    expect(state.rotationRequired).toBe(true);
    // A grant that covers everyone present removes nobody and needs no rotation.
    const all = replayed([...base, grant(['city-social', 'hus', 'kela'])(base)]);
    expect(all.members.size).toBe(4);
    expect(all.rotationRequired).toBe(false);
  });

  it('refuses an answer that would leave the case without an owner, unless it hands over or closes', () => {
    const chain = preConsent();
    expectRefused([...chain, grant(['kela', 'hus'])(chain)], 'ownerless', 4);
    expectRefused([...chain, revoke(['city-social'])(chain)], 'ownerless', 4);
    const handed = replayed([...chain, grant(['kela', 'hus'], { handOverTo: 'kela-liisa' })(chain)]);
    expect(handed.members.get('kela-liisa')?.owner).toBe(true);
    expect(handed.members.has('sw-anna')).toBe(false);
    expect(handed.closed).toBe(false);
    // The new owner can go on: add a device, rotate.
    const after = [...chain, grant(['kela', 'hus'], { handOverTo: 'kela-liisa' })(chain)];
    expect(replayed([...after, next(after, kela, 'rotate_epoch', { epoch: 2 })]).epoch).toBe(2);
    const closed = replayed([...chain, grant(['kela'], { close: true })(chain)]);
    expect(closed.closed).toBe(true);
  });

  it('refuses a hand-over to a client, a removed or unknown member, or one the answer does not need', () => {
    const chain = preConsent();
    expectRefused([...chain, grant(['kela'], { handOverTo: 'hus-olli' })(chain)], 'invalid', 4);
    expectRefused([...chain, grant(['kela'], { handOverTo: 'client-matti' })(chain)], 'invalid', 4);
    expectRefused([...chain, grant(['kela'], { handOverTo: 'ghost' })(chain)], 'invalid', 4);
    expectRefused([...chain, grant(['kela'], { handOverTo: 'kela-liisa', close: true })(chain)], 'invalid', 4);
    expectRefused([...chain, grant(['kela', 'city-social'], { handOverTo: 'kela-liisa' })(chain)], 'invalid', 4);
    expectRefused([...chain, grant(['kela', 'city-social'], { close: true })(chain)], 'invalid', 4);
  });

  it('after the answer, no event may bring or keep a member outside the consent', () => {
    const base = preConsent();
    const answered = [...base, grant(['city-social', 'kela'])(base)];
    expectRefused([...answered, next(answered, social, 'add_member', { member: husInfo })], 'consent_scope', 5);
    const state = replayed(answered);
    // A state forged to hold an outsider after the answer (a server's cache, say) refuses the next event.
    const forged: ChainState = { ...state, members: new Map(state.members).set('hus-olli', husInfo) };
    const r = appendCheck(forged, next(answered, social, 'add_device', { userId: 'sw-anna', ...dev(2) }), identityOf);
    expect(r.ok ? 'ok' : r.code).toBe('consent_scope');
  });

  it('survives the JSON round trip with the new fields signed', () => {
    const base = preConsent();
    const chain = [...base, grant(['kela'], { handOverTo: 'kela-liisa' })(base)];
    const roundTrip = JSON.parse(JSON.stringify(chain)) as unknown[];
    expect(replayChain(roundTrip, identityOf).ok).toBe(true);
    const tampered = { ...chain[4]!, payload: { ...chain[4]!.payload, handOverTo: 'hus-olli' } };
    expectRefused([...chain.slice(0, 4), tampered], 'bad_signature', 4);
  });
});

describe('statutory basis (record_basis)', () => {
  const ville = actor('sw-ville');
  const villeInfo = member(ville, 'city-social', 'social_worker');
  const BASIS = textCommitment('basis', 'Sosiaalihuoltolaki (1301/2014) 42 § – omatyöntekijä', SALT);
  const basis = (by: Actor, userId: string, basisCommitment: string | null = BASIS) => (c: MembershipEvent[]) =>
    next(c, by, 'record_basis', { userId, basisCommitment });
  const grant = (orgIds: string[]) => (c: MembershipEvent[]) => next(c, client, 'grant_consent', { orgIds, purposeCommitment: PURPOSE });
  const revoke = (orgIds: string[]) => (c: MembershipEvent[]) => next(c, client, 'revoke_consent', { orgIds });
  /** The owner has recorded a basis for himself; the client then consents to his organisation and Kela. */
  const recorded = () => chainOf(create, addClient, basis(social, 'sw-anna'), grant(['city-social', 'kela']), addKela);

  it('records the basis in force with its commitment, seq, time and recorder', () => {
    const state = replayed(recorded());
    expect(state.bases.get('sw-anna')).toEqual({ commitment: BASIS, seq: 2, at: T0 + 2000, recordedBy: 'sw-anna' });
    expect(state.bases.size).toBe(1);
  });

  it("keeps a member with a basis when the client revokes his organisation, without a hand-over (the rest follow the consent)", () => {
    const chain = recorded();
    const state = replayed([...chain, revoke(['city-social'])(chain)]);
    expect([...state.members.keys()].sort()).toEqual(['client-matti', 'kela-liisa', 'sw-anna']);
    expect(state.members.get('sw-anna')?.owner).toBe(true);
    expect(state.closed).toBe(false);
    // Kela was added under the consent and still follows it.
    const after = [...chain, revoke(['city-social'])(chain)];
    const kelaGone = replayed([...after, revoke(['kela'])(after)]);
    expect([...kelaGone.members.keys()].sort()).toEqual(['client-matti', 'sw-anna']);
    // A grant that leaves his organisation out keeps him too.
    expect(replayed([...chain, grant(['kela'])(chain)]).members.has('sw-anna')).toBe(true);
  });

  it('does not count a member with a basis as outside the consent before the client answers', () => {
    const chain = chainOf(create, (c) => next(c, social, 'add_member', { member: villeInfo }), addClient);
    expect(outsideConsent(replayed(chain))).toEqual(['sw-anna', 'sw-ville']);
    expect(outsideConsent(replayed([...chain, basis(social, 'sw-ville')(chain)]))).toEqual(['sw-anna']);
  });

  it('is for owners only, for a current professional of their own organisation, in a case', () => {
    const chain = chainOf(create, addClient, grant(['city-social', 'kela']), (c) =>
      next(c, social, 'add_member', { member: { ...kelaInfo, owner: true } }), (c) => next(c, social, 'add_member', { member: villeInfo }));
    // A non-owner, even of the same organisation.
    expectRefused([...chain, basis(ville, 'sw-ville')(chain)], 'forbidden', 5);
    // An owner of another organisation, for a county worker or for the owner himself.
    expectRefused([...chain, basis(kela, 'sw-ville')(chain)], 'forbidden', 5);
    expectRefused([...chain, basis(kela, 'sw-anna')(chain)], 'forbidden', 5);
    // An owner for an outsider of his organisation.
    expectRefused([...chain, basis(social, 'kela-liisa')(chain)], 'forbidden', 5);
    // Not the client, not a stranger.
    expectRefused([...chain, basis(social, 'client-matti')(chain)], 'invalid', 5);
    expectRefused([...chain, basis(social, 'nobody')(chain)], 'invalid', 5);
    // The Kela owner for his own staff: allowed.
    expect(replayed([...chain, basis(kela, 'kela-liisa')(chain)]).bases.get('kela-liisa')?.recordedBy).toBe('kela-liisa');
    // Not in a consultation.
    const consultation = chainOf((c) => next(c, social, 'create', { kind: 'consultation', labelCommitment: LABEL, creator: socialInfo }));
    expectRefused([...consultation, basis(social, 'sw-anna')(consultation)], 'invalid', 1);
  });

  it('refuses withdrawing a basis that would leave the member outside the consent in force; allows it otherwise', () => {
    const chain = recorded();
    const revoked = [...chain, revoke(['city-social'])(chain)];
    expectRefused([...revoked, basis(social, 'sw-anna', null)(revoked)], 'consent_scope', 6);
    // Inside the consent the basis may go: he stays under the consent.
    const withdrawn = replayed([...chain, basis(social, 'sw-anna', null)(chain)]);
    expect(withdrawn.bases.size).toBe(0);
    expect(withdrawn.members.has('sw-anna')).toBe(true);
    // Nothing to withdraw.
    const after = [...chain, basis(social, 'sw-anna', null)(chain)];
    expectRefused([...after, basis(social, 'sw-anna', null)(after)], 'invalid', 6);
  });

  it('drops the basis of a removed member; added again he needs the consent or a new basis', () => {
    const chain = chainOf(create, (c) => next(c, social, 'add_member', { member: villeInfo }), addClient, basis(social, 'sw-anna'), basis(social, 'sw-ville'), grant(['kela']));
    expect([...replayed(chain).members.keys()].sort()).toEqual(['client-matti', 'sw-anna', 'sw-ville']);
    const removed = [...chain, next(chain, social, 'remove_member', { userId: 'sw-ville' })];
    expect([...replayed(removed).bases.keys()]).toEqual(['sw-anna']);
    expectRefused([...removed, next(removed, social, 'add_member', { member: villeInfo })], 'consent_scope', 7);
  });

  it('signs the member and the commitment, and survives the JSON round trip (also a withdrawal)', () => {
    const chain = recorded();
    const withdrawal = [...chain, basis(social, 'sw-anna', null)(chain)];
    expect(replayChain(JSON.parse(JSON.stringify(withdrawal)) as unknown[], identityOf).ok).toBe(true);
    const event = chain[2]!;
    expect(event.type).toBe('record_basis');
    const otherUser = { ...event, payload: { ...event.payload, userId: 'client-matti' } };
    expectRefused([...chain.slice(0, 2), otherUser], 'bad_signature', 2);
    const otherText = { ...event, payload: { ...event.payload, basisCommitment: textCommitment('basis', 'Lastensuojelulaki (417/2007)', SALT) } };
    expectRefused([...chain.slice(0, 2), otherText], 'bad_signature', 2);
    // The text itself never travels in the chain: the payload is strict.
    expectRefused([...chain.slice(0, 2), { ...event, payload: { ...event.payload, text: 'Sosiaalihuoltolaki' } }], 'malformed', 2);
  });
});

describe('event encoding', () => {
  it('signs domain-separated canonical JSON and hashes the whole event', () => {
    const [e0] = chainOf(create);
    if (e0 === undefined) throw new Error('unreachable');
    const bytes = new TextDecoder().decode(eventSigningBytes(e0));
    expect(bytes.startsWith('yhteispoyta/membership-event/v1\n{"at":')).toBe(true);
    expect(bytes).not.toContain('signature');
    expect(bytes).not.toEqual(new TextDecoder().decode(utf8(JSON.stringify(e0))));
    expect(eventHash(e0)).toMatch(/^[0-9a-f]{64}$/);
    // Key order does not matter; the signature does.
    const reordered = Object.fromEntries(Object.entries(e0).reverse()) as MembershipEvent;
    expect(eventHash(reordered)).toBe(eventHash(e0));
    // XEdDSA signatures are randomized: the same event signed again hashes differently.
    const resigned = chainOf(create)[0];
    expect(resigned?.signature).not.toBe(e0.signature);
    expect(eventHash({ ...e0, signature: resigned?.signature ?? '' })).not.toBe(eventHash(e0));
  });

  it('the signature covers every field', () => {
    const e0 = next([], social, 'create', { kind: 'case', labelCommitment: LABEL, creator: socialInfo });
    const e1 = next([e0], social, 'add_member', { member: clientInfo });
    const key = social.keys.publicKey;
    expect(verifyEventSignature(e1, key)).toBe(true);
    expect(verifyEventSignature(e1, client.keys.publicKey)).toBe(false);
    const changed: MembershipEvent[] = [
      { ...e1, workspaceId: 'case-other' },
      { ...e1, seq: 2 },
      { ...e1, prevHash: 'f'.repeat(64) },
      { ...e1, author: { userId: 'sw-anna', deviceId: 2 } },
      { ...e1, at: e1.at + 1 },
      { ...e1, payload: { member: { ...clientInfo, orgId: 'kela' } } },
      { ...e1, payload: { member: { ...clientInfo, devices: [dev(1), dev(2)] } } },
      { ...e1, type: 'remove_member', payload: { userId: 'client-matti' } },
      { ...e0, payload: { ...e0.payload, labelCommitment: textCommitment('label', 'toinen', SALT) } },
      { ...e0, payload: { ...e0.payload, kind: 'consultation' } },
    ];
    for (const e of changed) expect(verifyEventSignature(e, key), JSON.stringify(e)).toBe(false);
  });

  it('signEvent refuses events that would not parse', () => {
    expect(() => next([], social, 'add_device', { userId: 'sw-anna', deviceId: 0, keyHash: dev(1).keyHash })).toThrow(RangeError);
    expect(() => next([], social, 'grant_consent', { orgIds: [], purposeCommitment: PURPOSE })).toThrow(RangeError);
  });

  it('parseMembershipEvent is strict', () => {
    const [e0, e1] = chainOf(create, addClient);
    if (e0 === undefined || e1 === undefined) throw new Error('unreachable');
    expect(parseMembershipEvent(JSON.parse(JSON.stringify(e1)))).toEqual({ ok: true, event: e1 });
    const bad: unknown[] = [
      { ...e1, extra: true },
      { ...e1, payload: { member: { ...clientInfo, nickname: 'x' } } },
      { ...e1, payload: { member: { ...clientInfo, role: 'admin' } } },
      { ...e1, payload: { member: { ...clientInfo, devices: [dev(1), dev(1)] } } },
      { ...e1, payload: { member: { ...clientInfo, devices: [dev(128)] } } },
      { ...e1, payload: { member: { ...clientInfo, userId: '' } } },
      { ...e1, payload: { member: { ...clientInfo, userId: 'x'.repeat(129) } } },
      { ...e1, payload: { member: { ...clientInfo, orgId: 'lone\uD800' } } },
      { ...e1, type: 'close' },
      { ...e1, type: 'grant_consent', payload: { orgIds: ['a', 'a'], purposeCommitment: PURPOSE } },
      { ...e1, type: 'grant_consent', payload: { orgIds: [], purposeCommitment: PURPOSE } },
      // The texts themselves never pass: the chain takes only commitments.
      { ...e1, type: 'grant_consent', payload: { orgIds: ['kela'], purpose: 'perustoimeentulotuki' } },
      { ...e0, payload: { kind: 'case', label: 'Toimeentulo 2024', creator: socialInfo } },
      { ...e0, payload: { ...e0.payload, label: 'Toimeentulo 2024' } },
      { ...e0, payload: { ...e0.payload, labelCommitment: 'Toimeentulo 2024' } },
      { ...e1, type: 'close', payload: { x: 1 } },
      { ...e1, type: 'rotate_epoch', payload: { epoch: 1 } },
      { ...e1, seq: -1 },
      { ...e1, seq: 1.5 },
      { ...e1, at: Number.MAX_SAFE_INTEGER + 2 },
      { ...e1, prevHash: 'A'.repeat(64) },
      { ...e1, prevHash: '0'.repeat(63) },
      { ...e1, signature: 'not base64!' },
      { ...e1, signature: Buffer.from(new Uint8Array(63)).toString('base64') },
      { ...e1, author: { userId: 'sw-anna', deviceId: 0 } },
      { ...e0, payload: { kind: 'meeting', labelCommitment: LABEL, creator: socialInfo } },
      null,
      'event',
      [e1],
    ];
    for (const x of bad) expect(parseMembershipEvent(x).ok, JSON.stringify(x)).toBe(false);
  });

  it('replayChain never throws on hostile input', () => {
    const chain = validChain();
    const hostile: unknown[] = [
      undefined,
      null,
      42,
      'chain',
      {},
      [null],
      [chain[0], 'x'],
      [chain[0], { ...chain[1], payload: null }],
      [chain[0], { ...chain[1], author: { get userId(): string { throw new Error('boom'); }, deviceId: 1 } }],
      [{ ...chain[0], signature: chain[1]?.signature }],
    ];
    for (const x of hostile) {
      expect(() => replayChain(x as unknown[], identityOf)).not.toThrow();
      expect(replayChain(x as unknown[], identityOf).ok).toBe(false);
    }
  });
});
