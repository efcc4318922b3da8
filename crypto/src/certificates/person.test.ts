import { describe, expect, it } from 'vitest';
import { T0, TestAuthority, YEAR, testKey } from './authority.testkit';
import { certificateJson } from './signing';
import { MAX_BUNDLE_CERTIFICATES, verifyOrg, verifyPerson } from './person';
import type { PersonResult, VerifiedPerson } from './person';
import type { Certificate } from './types';

const ca = new TestAuthority();
const kela = ca.org('kela', { name: 'Kela, Itä-Suomen vakuutuspiiri' });
const county = ca.org('county', { name: 'Pohjois-Savon hyvinvointialue' });

const json = (certs: readonly Certificate[]): unknown[] => JSON.parse(JSON.stringify(certs.map(certificateJson))) as unknown[];
const verify = (userId: string, certs: readonly Certificate[], now = T0): PersonResult =>
  verifyPerson({ root: ca.root.pub, userId, certificates: json(certs), now });
const person = (result: PersonResult): VerifiedPerson => {
  if (!result.ok) throw new Error(`${result.code}: ${result.detail}`);
  return result.person;
};

describe('verifyPerson: professionals', () => {
  const maija = ca.professional(kela, 'maija', { role: 'kela_expert', displayName: 'Maija' });
  const laptop = ca.device(maija, 1);
  const desktop = ca.device(maija, 2);

  it('returns organisation, role, name, user key and devices from the chain root → org → user → device', () => {
    const p = person(verify('maija', [kela.cert, maija.cert, laptop.cert, desktop.cert, county.cert]));
    expect(p.kind).toBe('professional');
    if (p.kind !== 'professional') return;
    expect(p).toMatchObject({ userId: 'maija', orgId: 'kela', orgName: 'Kela, Itä-Suomen vakuutuspiiri', role: 'kela_expert', displayName: 'Maija', serial: 1 });
    expect(Buffer.from(p.userKey)).toEqual(Buffer.from(maija.userKey.pub));
    expect(p.devices.map((d) => d.deviceId)).toEqual([1, 2]);
    expect(Buffer.from(p.devices[0]?.identityKey ?? [])).toEqual(Buffer.from(laptop.key.pub));
  });

  it('is no_certificate without a user certificate, untrusted when nothing chains to the pinned root', () => {
    expect(verify('maija', [kela.cert, laptop.cert])).toMatchObject({ ok: false, code: 'no_certificate' });
    const other = new TestAuthority();
    const fakeKela = other.org('kela');
    const fake = other.professional(fakeKela, 'maija');
    expect(verify('maija', [fakeKela.cert, fake.cert, other.device(fake, 1).cert])).toMatchObject({ ok: false, code: 'untrusted' });
    // An org certificate re-signed by another root does not help a user certificate signed by its key.
    const relabelled = ca.professional(kela, 'olli', { signer: county.key });
    expect(verify('olli', [kela.cert, county.cert, relabelled.cert])).toMatchObject({ ok: false, code: 'untrusted' });
  });

  it('lists only devices signed by the person\'s user key', () => {
    const foreign = ca.device(maija, 3, { signer: testKey() });
    const byOrg = ca.device(maija, 4, { signer: kela.key });
    const p = person(verify('maija', [kela.cert, maija.cert, laptop.cert, foreign.cert, byOrg.cert]));
    expect(p.devices.map((d) => d.deviceId)).toEqual([1]);
  });

  it('refuses expired and not-yet-valid user and organisation certificates', () => {
    const old = ca.professional(kela, 'old', { notBefore: T0 - 2 * YEAR, notAfter: T0 - 1 });
    expect(verify('old', [kela.cert, old.cert])).toMatchObject({ ok: false, code: 'expired' });
    const future = ca.professional(kela, 'future', { notBefore: T0 + 1, notAfter: T0 + YEAR });
    expect(verify('future', [kela.cert, future.cert])).toMatchObject({ ok: false, code: 'expired' });
    const closedOrg = ca.org('closed', { notBefore: T0 - 2 * YEAR, notAfter: T0 - 1 });
    const staff = ca.professional(closedOrg, 'staff');
    expect(verify('staff', [closedOrg.cert, staff.cert])).toMatchObject({ ok: false, code: 'expired' });
  });

  it('honours a revocation by the organisation from its time on', () => {
    const revocation = ca.revokeUser(kela, maija, 1, T0 + 10);
    expect(verify('maija', [kela.cert, maija.cert, revocation], T0).ok).toBe(true);
    expect(verify('maija', [kela.cert, maija.cert, revocation], T0 + 10)).toMatchObject({ ok: false, code: 'revoked' });
    // A revocation signed by someone else does nothing.
    const forged = ca.revokeUser(county, maija, 1);
    expect(verify('maija', [kela.cert, county.cert, maija.cert, { ...forged, body: { ...forged.body, orgId: 'kela' } }]).ok).toBe(true);
  });

  it('takes the highest valid serial when the organisation re-certified the person', () => {
    const renewed = ca.professional(kela, 'maija', { serial: 2, role: 'kela_expert', displayName: 'Maija M.' });
    const newDevice = ca.device(renewed, 3);
    const p = person(verify('maija', [kela.cert, maija.cert, renewed.cert, laptop.cert, newDevice.cert]));
    expect(p.kind === 'professional' && p.displayName).toBe('Maija M.');
    // Devices certified by the old user key are not the renewed person's.
    expect(p.devices.map((d) => d.deviceId)).toEqual([3]);
  });

  it('moves a revoked device to revokedDevices; a new key under the same id is a new device', () => {
    const revoked = ca.revokeDevice(maija, desktop, T0 - 5);
    const p = person(verify('maija', [kela.cert, maija.cert, laptop.cert, desktop.cert, revoked]));
    expect(p.devices.map((d) => d.deviceId)).toEqual([1]);
    expect(p.revokedDevices.map((d) => d.deviceId)).toEqual([2]);
    const reinstalled = ca.device(maija, 2, { created: T0 + 1 });
    const q = person(verify('maija', [kela.cert, maija.cert, laptop.cert, desktop.cert, revoked, reinstalled.cert]));
    expect(q.devices.map((d) => d.keyHash)).toContain(q.devices.find((d) => d.deviceId === 2)?.keyHash);
    expect(Buffer.from(q.devices.find((d) => d.deviceId === 2)?.identityKey ?? [])).toEqual(Buffer.from(reinstalled.key.pub));
  });

  it('a device revocation signed by anyone but the user key does nothing', () => {
    const forged = ca.revokeDevice({ ...maija, userKey: testKey() }, desktop);
    expect(person(verify('maija', [kela.cert, maija.cert, desktop.cert, forged])).devices.map((d) => d.deviceId)).toEqual([2]);
  });
});

describe('verifyPerson: clients', () => {
  const anna = ca.professional(county, 'anna', { role: 'social_worker' });
  const annaLaptop = ca.device(anna, 1);
  const matti = ca.client(annaLaptop, 'matti', 'case-1', { name: 'Matti', created: T0 - 100 });
  const mattiPhone = ca.device(matti, 1);
  const chain = [county.cert, anna.cert, annaLaptop.cert, matti.cert, mattiPhone.cert];

  it('chains root → org → inviter → inviter device → client certificate → client devices', () => {
    const p = person(verify('matti', chain));
    expect(p).toMatchObject({ kind: 'client', userId: 'matti', workspaceId: 'case-1', invitedBy: { userId: 'anna', deviceId: 1 } });
    expect(p.devices.map((d) => d.deviceId)).toEqual([1]);
  });

  it('a client who joined a further case is certified in both, each with its inviter and name commitment; a certificate naming another user key adds no case', () => {
    const bert = ca.professional(county, 'bert', { role: 'social_worker' });
    const bertLaptop = ca.device(bert, 1);
    const second = ca.client(bertLaptop, 'matti', 'case-2', { name: 'Matti M.', created: T0 - 50, userKey: matti.userKey });
    const foreignKey = ca.client(bertLaptop, 'matti', 'case-3', { created: T0 - 200 });
    const p = person(verify('matti', [...chain, bert.cert, bertLaptop.cert, second.cert, foreignKey.cert]));
    if (p.kind !== 'client') throw new Error('not a client');
    expect([...p.cases.keys()].sort()).toEqual(['case-1', 'case-2']);
    expect(p.cases.get('case-2')?.invitedBy).toEqual(bertLaptop.ref);
    expect(p.cases.get('case-1')?.nameCommitment).toBe(matti.cert.body.t === 'client' ? matti.cert.body.nameCommitment : '');
    expect(Buffer.from(p.userKey)).toEqual(Buffer.from(matti.userKey.pub));
    expect(p.devices.map((d) => d.deviceId)).toEqual([1]);
  });

  it('refuses a client certificate signed by a device that is not the inviter\'s certified device', () => {
    const forged = ca.client(annaLaptop, 'eve', 'case-1', { signer: testKey() });
    expect(verify('eve', [county.cert, anna.cert, annaLaptop.cert, forged.cert])).toMatchObject({ ok: false, code: 'untrusted' });
    const uncertifiedInviter = ca.client({ ...annaLaptop, ref: { userId: 'anna', deviceId: 9 } }, 'eve', 'case-1');
    expect(verify('eve', [county.cert, anna.cert, annaLaptop.cert, uncertifiedInviter.cert]).ok).toBe(false);
  });

  it('judges the inviter at the time he signed: a later revocation of the inviter keeps the client', () => {
    const later = ca.revokeUser(county, anna, 1, T0);
    expect(verify('matti', [...chain, later]).ok).toBe(true);
    const before = ca.revokeUser(county, anna, 1, T0 - 200);
    expect(verify('matti', [...chain, before])).toMatchObject({ ok: false, code: 'revoked' });
  });

  it('does not believe a client certificate dated in the future', () => {
    const future = ca.client(annaLaptop, 'fut', 'case-1', { created: T0 + 3_600_000 });
    expect(verify('fut', [county.cert, anna.cert, annaLaptop.cert, future.cert]).ok).toBe(false);
  });
});

describe('verifyPerson on hostile bundles', () => {
  it('never throws and answers malformed for non-lists and huge bundles', () => {
    const key = testKey();
    expect(verifyPerson({ root: ca.root.pub, userId: 'x', certificates: 'nope', now: T0 })).toMatchObject({ ok: false, code: 'malformed' });
    expect(verifyPerson({ root: ca.root.pub, userId: 'x', certificates: Array(MAX_BUNDLE_CERTIFICATES + 1).fill(null), now: T0 })).toMatchObject({ code: 'malformed' });
    expect(verifyPerson({ root: new Uint8Array(5), userId: 'x', certificates: [], now: T0 })).toMatchObject({ code: 'malformed' });
    const junk = [null, 1, 'x', {}, { body: {}, signature: '' }, new Proxy({}, { get() { throw new Error('boom'); } }), key];
    expect(verifyPerson({ root: ca.root.pub, userId: 'x', certificates: junk, now: T0 })).toMatchObject({ ok: false, code: 'no_certificate' });
  });
});

describe('verifyOrg', () => {
  it('names an organisation only from a certificate of the pinned root', () => {
    expect(verifyOrg(ca.root.pub, json([kela.cert]), 'kela', T0)).toEqual({ orgId: 'kela', name: 'Kela, Itä-Suomen vakuutuspiiri' });
    expect(verifyOrg(testKey().pub, json([kela.cert]), 'kela', T0)).toBeUndefined();
    expect(verifyOrg(ca.root.pub, json([kela.cert]), 'county', T0)).toBeUndefined();
    expect(verifyOrg(ca.root.pub, 'x', 'kela', T0)).toBeUndefined();
  });
});
