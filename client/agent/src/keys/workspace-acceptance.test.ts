import { describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import { invitationEvent, standingOf } from './workspace-acceptance';

const SARI = { userId: 'u-sari', deviceId: 1 };
const HELMI = { userId: 'u-helmi', deviceId: 1 };
const HELMI_LAPTOP = { userId: 'u-helmi', deviceId: 2 };

/** Only the fields the acceptance rule reads; the chain's own checks are crypto's. */
function event(type: MembershipEvent['type'], author: { userId: string; deviceId: number }, payload: unknown = {}): MembershipEvent {
  return { type, author, payload } as unknown as MembershipEvent;
}
const member = (userId: string) => ({ member: { userId, orgId: 'county', role: 'health_professional', owner: false, devices: [] } });
const helmi = { userId: 'u-helmi', role: 'health_professional' as const };

describe('where a professional stands with a workspace', () => {
  const invited = [event('create', SARI), event('add_member', SARI, member('u-helmi'))];

  it('is invited when someone else added him, whatever else that someone signs for him', () => {
    expect(standingOf(undefined, invited, helmi)).toBe('invited');
    // An owner adding his device or rotating is the owner's act, not his choice.
    expect(standingOf(undefined, [...invited, event('add_device', SARI, { userId: 'u-helmi', deviceId: 2 }), event('rotate_epoch', SARI)], helmi)).toBe('invited');
  });

  it('is a member once he decided so here, or a device of his own signed in the chain (he accepted elsewhere), or he created it', () => {
    expect(standingOf('accepted', invited, helmi)).toBe('member');
    expect(standingOf(undefined, [...invited, event('add_device', HELMI, { userId: 'u-helmi', deviceId: 2 })], { ...helmi })).toBe('member');
    expect(standingOf(undefined, [...invited, event('rotate_epoch', HELMI_LAPTOP)], helmi)).toBe('member');
    expect(standingOf(undefined, [event('create', HELMI)], helmi)).toBe('member');
  });

  it('stays declined, and a client is never asked', () => {
    expect(standingOf('declined', invited, helmi)).toBe('declined');
    expect(standingOf(undefined, invited, { userId: 'u-helmi', role: 'client' })).toBe('member');
  });

  it('finds the event that added him: the latest', () => {
    const again = [...invited, event('remove_member', SARI, { userId: 'u-helmi' }), event('add_member', SARI, member('u-helmi'))];
    expect(invitationEvent(again, 'u-helmi')).toBe(again[3]);
    expect(invitationEvent(invited, 'u-nobody')).toBeUndefined();
  });
});
