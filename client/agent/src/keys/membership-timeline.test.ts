/**
 * The chat's system notices come from the verified chain's events: joins, removals,
 * departures and consent changes with who signed them and when; and a removed person
 * keeps the organisation the chain recorded for him.
 */
import { describe, expect, it } from 'vitest';
import type { MembershipEvent, MembershipEventType, MembershipPayloads } from '@yhteispoyta/crypto/types';
import { membershipTimeline } from './membership-timeline';

const anna = { userId: 'u-anna', deviceId: 1 };
const client = { userId: 'u-jani', deviceId: 1 };

let seq = 0;
function event<T extends MembershipEventType>(type: T, payload: MembershipPayloads[T], author = anna, at = 1000 + seq): MembershipEvent {
  return { workspaceId: 'w1', seq: seq++, prevHash: '0'.repeat(64), type, payload, author, at, signature: '' } as unknown as MembershipEvent;
}

const member = (userId: string, orgId: string, role: 'kela_expert' | 'client' = 'kela_expert') => ({
  userId,
  orgId,
  role,
  owner: false,
  devices: [{ deviceId: 1, keyHash: 'a'.repeat(64) }],
});

const names = {
  nameOf: (userId: string) => ({ 'u-anna': 'Anna', 'u-pekka': 'Pekka' })[userId],
  orgNameOf: (userId: string) => (userId === 'u-pekka' ? 'Kela' : undefined),
};

describe('membershipTimeline', () => {
  it('tells joins, removals, departures and consent changes in chain order, with who signed them', () => {
    seq = 0;
    const events = [
      event('create', { kind: 'case', labelCommitment: 'x', creator: { ...member('u-anna', 'o-hyvinvointi'), owner: true } } as never),
      event('add_member', { member: member('u-pekka', 'o-kela') }),
      event('add_member', { member: member('u-jani', 'clients', 'client') }),
      event('grant_consent', { orgIds: ['o-kela'], purposeCommitment: 'p' } as never, client),
      event('revoke_consent', { orgIds: ['o-kela'] }, client),
      event('record_basis', { userId: 'u-pekka', basisCommitment: 'b'.repeat(64) }),
      event('record_basis', { userId: 'u-pekka', basisCommitment: null }),
      event('remove_member', { userId: 'u-pekka' }),
      event('remove_member', { userId: 'u-jani' }, client),
    ];
    const { notices, formerMembers } = membershipTimeline(events, names);
    expect(notices.map((n) => [n.kind, n.userId, n.byName ?? n.by.userId, n.at])).toEqual([
      ['joined', 'u-pekka', 'Anna', 1001],
      ['joined', 'u-jani', 'Anna', 1002],
      ['consent_granted', undefined, 'u-jani', 1003],
      ['consent_revoked', undefined, 'u-jani', 1004],
      ['basis_recorded', 'u-pekka', 'Anna', 1005],
      ['basis_withdrawn', 'u-pekka', 'Anna', 1006],
      ['removed', 'u-pekka', 'Anna', 1007],
      ['left', 'u-jani', 'u-jani', 1008],
    ]);
    expect(notices[4]).toMatchObject({ displayName: 'Pekka', orgId: 'o-kela' });
    expect(notices[2]?.orgIds).toEqual(['o-kela']);
    expect(notices[6]).toMatchObject({ displayName: 'Pekka', orgId: 'o-kela', by: anna });
    expect(formerMembers).toEqual([
      { userId: 'u-pekka', orgId: 'o-kela', role: 'kela_expert', displayName: 'Pekka', orgName: 'Kela', removedAt: 1007, removedBy: anna, left: false },
      { userId: 'u-jani', orgId: 'clients', role: 'client', removedAt: 1008, removedBy: client, left: true },
    ]);
  });

  it('forgets a former member who was added again', () => {
    seq = 0;
    const events = [
      event('create', { kind: 'case', labelCommitment: 'x', creator: member('u-anna', 'o1') } as never),
      event('add_member', { member: member('u-pekka', 'o-kela') }),
      event('remove_member', { userId: 'u-pekka' }, anna),
      event('add_member', { member: member('u-pekka', 'o-kela') }),
    ];
    expect(membershipTimeline(events, names).formerMembers).toEqual([]);
    expect(membershipTimeline(events, names).notices.map((n) => n.kind)).toEqual(['joined', 'removed', 'joined']);
  });
});
