import { describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import { chainHistory } from './chain-history';

const base = (seq: number, userId: string) => ({ workspaceId: 'w', seq, prevHash: '0'.repeat(64), author: { userId, deviceId: 1 }, at: 1000 + seq, signature: '' });
const member = (userId: string, orgId: string, role: 'kela_expert' | 'social_worker' | 'client') => ({ userId, orgId, role, owner: false, devices: [] });

const events = [
  { ...base(0, 'kela1'), type: 'create', payload: { kind: 'case', labelCommitment: 'x', creator: member('kela1', 'kela', 'kela_expert') } },
  { ...base(1, 'kela1'), type: 'add_member', payload: { member: member('asiakas', 'clients', 'client') } },
  { ...base(2, 'kela1'), type: 'add_device', payload: { userId: 'asiakas', deviceId: 1, keyHash: 'a'.repeat(64) } },
  { ...base(3, 'asiakas'), type: 'grant_consent', payload: { orgIds: ['kela'], purposeCommitment: 'y' } },
  { ...base(4, 'asiakas'), type: 'grant_consent', payload: { orgIds: ['kela', 'kunta'], purposeCommitment: 'z' } },
  { ...base(5, 'kela1'), type: 'add_member', payload: { member: member('sari', 'kunta', 'social_worker') } },
  { ...base(6, 'asiakas'), type: 'revoke_consent', payload: { orgIds: ['kunta'] } },
  { ...base(7, 'asiakas'), type: 'remove_member', payload: { userId: 'sari' } },
  { ...base(8, 'kela1'), type: 'rotate_epoch', payload: { epoch: 2 } },
] as unknown as MembershipEvent[];

describe('chain history', () => {
  it('turns the verified chain into openings, members and consent, with names from the resolver only', () => {
    const names = (userId: string) => (userId === 'kela1' ? { displayName: 'Kaisa', orgName: 'Kela' } : userId === 'asiakas' ? { displayName: 'Asiakas' } : {});
    const history = chainHistory(events, names);
    expect(history?.openedAt).toBe(1000);
    expect(history?.entries.map((e) => [e.kind, e.by, e.subject ?? e.orgIds?.join('+') ?? ''])).toEqual([
      ['case_opened', 'kela1', ''],
      ['member_added', 'kela1', 'asiakas'],
      ['consent_granted', 'asiakas', 'kela'],
      ['consent_changed', 'asiakas', 'kela+kunta'],
      ['member_added', 'kela1', 'sari'],
      ['consent_revoked', 'asiakas', 'kunta'],
      ['member_removed', 'asiakas', 'sari'],
    ]);
    expect(history?.people.get('asiakas')).toEqual({ userId: 'asiakas', orgId: null, role: 'client', displayName: 'Asiakas' });
    // A removed member stays a person of the history, in the organisation the chain gave him.
    expect(history?.people.get('sari')).toEqual({ userId: 'sari', orgId: 'kunta', role: 'social_worker' });
  });

  it('a chain that does not start with create has no history', () => {
    expect(chainHistory(events.slice(1), () => ({}))).toBeUndefined();
    expect(chainHistory([], () => ({}))).toBeUndefined();
  });
});
