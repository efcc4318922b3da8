import { describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import { consentHistory } from './consent-history';

const dev = { deviceId: 1, keyHash: '0'.repeat(64) };
const member = (userId: string, orgId: string, role: 'social_worker' | 'kela_expert' | 'client', owner = false) => ({ userId, orgId, role, owner, devices: [dev] });
let seq = 0;
function ev<T extends MembershipEvent['type']>(type: T, payload: Extract<MembershipEvent, { type: T }>['payload'], at: number): MembershipEvent {
  return { workspaceId: 'w', seq: seq++, prevHash: '0'.repeat(64), type, payload, author: { userId: 'x', deviceId: 1 }, at, signature: '' } as MembershipEvent;
}

describe('consent history', () => {
  it('lists grants, changes, revocations and a passed expiry with who left', () => {
    const events = [
      ev('create', { kind: 'case', labelCommitment: 'l', creator: member('sari', 'county', 'social_worker', true) }, 1),
      ev('add_member', { member: member('kalle', 'kela', 'kela_expert') }, 2),
      ev('add_member', { member: member('jani', 'clients', 'client') }, 3),
      ev('grant_consent', { orgIds: ['county', 'kela'], purposeCommitment: 'p1' }, 10),
      ev('grant_consent', { orgIds: ['county'], purposeCommitment: 'p2', expiresAt: 50 }, 20),
    ];
    const purposes: Record<string, string> = { p1: 'Toimeentulotuki', p2: 'Asiakassuunnitelma' };
    const steps = consentHistory(events, (c) => purposes[c], 100);
    expect(steps.map((s) => [s.kind, s.at])).toEqual([
      ['granted', 10],
      ['changed', 20],
      ['expired', 50],
    ]);
    expect(steps[0]).toMatchObject({ orgIds: ['county', 'kela'], purpose: 'Toimeentulotuki', removed: [] });
    expect(steps[1]).toMatchObject({ orgIds: ['county'], revokedOrgIds: ['kela'], removed: [{ userId: 'kalle' }], expiresAt: 50 });
    expect(steps[2]).toMatchObject({ revokedOrgIds: ['county'] });
    // Before the expiry it is not yet a step.
    expect(consentHistory(events, (c) => purposes[c], 40).map((s) => s.kind)).toEqual(['granted', 'changed']);
  });

  it('records a revocation with its hand-over or closing', () => {
    const events = [
      ev('create', { kind: 'case', labelCommitment: 'l', creator: member('sari', 'county', 'social_worker', true) }, 1),
      ev('add_member', { member: member('kalle', 'kela', 'kela_expert') }, 2),
      ev('grant_consent', { orgIds: ['county', 'kela'], purposeCommitment: 'p' }, 10),
      ev('revoke_consent', { orgIds: ['county'], handOverTo: 'kalle' }, 20),
    ];
    const steps = consentHistory(events, () => undefined, 100, (userId) => (userId === 'sari' ? 'Sari Virtanen' : undefined));
    expect(steps[1]).toMatchObject({ kind: 'revoked', orgIds: ['kela'], revokedOrgIds: ['county'], removed: [{ userId: 'sari', displayName: 'Sari Virtanen' }], handOverTo: 'kalle' });
  });
});
