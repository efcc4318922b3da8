import { describe, expect, it } from 'vitest';
import { GENESIS_PREV_HASH, appendCheck, signEvent } from '../membership';
import type { ChainState } from '../membership';
import type { MemberInfo } from '../types';
import { T0, TestAuthority } from './authority.testkit';
import type { TestDevice, TestOrg, TestPerson } from './authority.testkit';
import { certifiedMembership, checkMemberDevice, checkMemberPerson } from './membership-check';
import { verifyPerson } from './person';
import type { VerifiedPerson } from './person';
import { identityKeyHash } from './signing';
import type { Certificate } from './types';

const ca = new TestAuthority();
const county = ca.org('county');
const kela = ca.org('kela');
const anna = ca.professional(county, 'anna', { role: 'social_worker' });
const annaLaptop = ca.device(anna, 1);
const liisa = ca.professional(kela, 'liisa', { role: 'kela_expert' });
const liisaLaptop = ca.device(liisa, 1);
const matti = ca.client(annaLaptop, 'matti', 'ws-1');
const mattiPhone = ca.device(matti, 1);
const all: Certificate[] = [county.cert, kela.cert, anna.cert, annaLaptop.cert, liisa.cert, liisaLaptop.cert, matti.cert, mattiPhone.cert];

function verified(userId: string, extra: readonly Certificate[] = []): VerifiedPerson | undefined {
  const result = verifyPerson({ root: ca.root.pub, userId, certificates: JSON.parse(JSON.stringify([...all, ...extra])), now: T0 });
  return result.ok ? result.person : undefined;
}

const entry = (d: TestDevice) => ({ deviceId: d.ref.deviceId, keyHash: identityKeyHash(d.key.pub) });
const member = (p: TestPerson, org: TestOrg | 'clients', role: MemberInfo['role'], devices: TestDevice[]): MemberInfo => ({
  userId: p.userId, orgId: org === 'clients' ? 'clients' : org.orgId, role, owner: false, devices: devices.map(entry),
});

describe('checkMemberPerson', () => {
  it('passes when organisation and role match the certificate', () => {
    expect(checkMemberPerson(member(liisa, kela, 'kela_expert', [liisaLaptop]), verified('liisa'), 'ws-1')).toBeUndefined();
    expect(checkMemberPerson(member(matti, 'clients', 'client', [mattiPhone]), verified('matti'), 'ws-1')).toBeUndefined();
  });

  it('finds a relabelled organisation or role, a client of another workspace, and a missing certificate', () => {
    expect(checkMemberPerson(member(liisa, county, 'kela_expert', []), verified('liisa'), 'ws-1')?.code).toBe('org_mismatch');
    expect(checkMemberPerson(member(liisa, kela, 'social_worker', []), verified('liisa'), 'ws-1')?.code).toBe('org_mismatch');
    expect(checkMemberPerson(member(matti, kela, 'kela_expert', []), verified('matti'), 'ws-1')?.code).toBe('org_mismatch');
    expect(checkMemberPerson(member(matti, 'clients', 'client', []), verified('matti'), 'ws-2')?.code).toBe('wrong_workspace');
    expect(checkMemberPerson(member(liisa, kela, 'kela_expert', []), undefined, 'ws-1')?.code).toBe('uncertified');
  });
});

describe('checkMemberDevice', () => {
  it('passes exactly the certified key under the certified id', () => {
    const person = verified('liisa');
    expect(checkMemberDevice('liisa', entry(liisaLaptop), person)).toBeUndefined();
    expect(checkMemberDevice('liisa', { deviceId: 2, keyHash: entry(liisaLaptop).keyHash }, person)?.code).toBe('uncertified');
    expect(checkMemberDevice('liisa', { deviceId: 1, keyHash: 'f'.repeat(64) }, person)?.code).toBe('uncertified');
  });

  it('reports a revoked device as revoked', () => {
    const person = verified('liisa', [ca.revokeDevice(liisa, liisaLaptop)]);
    expect(checkMemberDevice('liisa', entry(liisaLaptop), person)?.code).toBe('revoked');
  });
});

describe('certifiedMembership', () => {
  it('trusts the chain devices certificates back and lists findings for the rest', () => {
    const operatorDevice = ca.device(liisa, 2, { signer: ca.root }); // not signed by Liisa's user key
    const creator = member(anna, county, 'social_worker', [annaLaptop]);
    const create = signEvent(
      { workspaceId: 'ws-1', seq: 0, prevHash: GENESIS_PREV_HASH, type: 'create', author: annaLaptop.ref, at: T0, payload: { kind: 'case', labelCommitment: 'c'.repeat(64), creator: { ...creator, owner: true } } },
      annaLaptop.key.priv,
    );
    let state = appendCheck(null, create, () => annaLaptop.key.pub);
    if (!state.ok) throw new Error(state.detail);
    const add = signEvent(
      {
        workspaceId: 'ws-1', seq: 1, prevHash: state.state.headHash, type: 'add_member', author: annaLaptop.ref, at: T0 + 1,
        payload: { member: member(liisa, kela, 'kela_expert', [liisaLaptop, operatorDevice]) },
      },
      annaLaptop.key.priv,
    );
    state = appendCheck(state.state, add, () => annaLaptop.key.pub);
    if (!state.ok) throw new Error(state.detail);
    const chain: ChainState = state.state;
    const result = certifiedMembership(chain, (userId) => verified(userId));
    expect(result.trusted).toEqual([annaLaptop.ref, liisaLaptop.ref]);
    expect(result.findings).toEqual([expect.objectContaining({ code: 'uncertified', userId: 'liisa', deviceId: 2 })]);
  });
});
