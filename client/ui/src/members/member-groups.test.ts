import { describe, expect, it } from 'vitest';
import type { Member } from '@yhteispoyta/local-api';
import { consentActive, flaggedCount, groupMembers, mayAddFrom, memberName, invitationUsed, standingOf } from './member-groups';

const device = (deviceId: number) => ({ deviceId, keyHash: `h${deviceId}` });
const member = (userId: string, orgId: string, role: Member['role'], extra: Partial<Member> = {}): Member => ({
  userId,
  orgId,
  role,
  owner: false,
  devices: [device(1)],
  certified: true,
  uncertifiedDevices: [],
  ...extra,
});
const names: Record<string, string> = { u1: 'Sini', u2: 'Anna', u3: 'Kalle', c1: 'Asta', hva: 'Hyvinvointialue (hakemisto)', kela: 'kela', clients: 'Asiakas' };

describe('groupMembers', () => {
  it('puts the client first, then organisations by name, members by role and name', () => {
    const groups = groupMembers(
      [member('u3', 'kela', 'kela_expert'), member('u1', 'hva', 'social_worker'), member('c1', 'clients', 'client'), member('u2', 'hva', 'social_worker')],
      (id) => names[id] ?? id,
      (m) => names[m.userId] ?? m.userId,
    );
    expect(groups.map((g) => g.orgName)).toEqual(['Asiakas', 'Hyvinvointialue (hakemisto)', 'kela']);
    expect(groups[1]?.members.map((m) => m.name)).toEqual(['Anna', 'Sini']);
  });

  it('names an organisation as its certificate does, and only a certified member vouches for it', () => {
    const groups = groupMembers(
      [
        member('u1', 'hva', 'social_worker', { orgName: 'Hyvinvointialue', certified: false }),
        member('u2', 'hva', 'social_worker', { orgName: 'Hyvinvointialue' }),
        member('u3', 'kela', 'kela_expert', { orgName: 'Kela', certified: false }),
        member('c1', 'clients', 'client', { displayName: 'Asta' }),
      ],
      (id) => names[id] ?? id,
      (m) => names[m.userId] ?? m.userId,
    );
    expect(groups.map((g) => [g.orgName, g.orgCertified])).toEqual([
      ['Asiakas', false],
      ['Hyvinvointialue', true],
      ['kela', false],
    ]);
    expect(groups[1]?.members.map((m) => [m.name, m.standing])).toEqual([
      ['Anna', 'certified'],
      ['Sini', 'uncertified'],
    ]);
  });

  it('tells a member who has not joined yet from one no certificate backs', () => {
    expect(standingOf({ devices: [], certified: false })).toBe('not_joined');
    expect(standingOf({ devices: [device(2)], certified: false })).toBe('uncertified');
    expect(standingOf({ devices: [device(2)], certified: true })).toBe('certified');
  });

  it('counts members to flag: uncertified, or certified with an uncertified device, but not those yet to join', () => {
    expect(
      flaggedCount([
        member('u1', 'hva', 'social_worker'),
        member('u2', 'hva', 'social_worker', { certified: false }),
        member('u3', 'kela', 'kela_expert', { devices: [device(1), device(2)], uncertifiedDevices: [2] }),
        member('c1', 'clients', 'client', { devices: [], certified: false }),
      ]),
    ).toBe(2);
  });
});

describe('memberName', () => {
  const directory: Record<string, string> = { u1: 'Sini (hakemisto)', c2: '  ' };
  const known = (id: string) => directory[id];
  it('prefers the certified name, then what the page knows, then the role of a client', () => {
    expect(memberName({ userId: 'c1', role: 'client', displayName: 'Asta Asiakas' }, known, 'Asiakas')).toBe('Asta Asiakas');
    expect(memberName({ userId: 'u1', role: 'social_worker', displayName: 'Sini Sosiaali' }, known, 'Asiakas')).toBe('Sini Sosiaali');
    expect(memberName({ userId: 'u1', role: 'social_worker' }, known, 'Asiakas')).toBe('Sini (hakemisto)');
    expect(memberName({ userId: 'c2', role: 'client', displayName: '' }, known, 'Asiakas')).toBe('Asiakas');
    expect(memberName({ userId: 'u9', role: 'teacher' }, known, 'Asiakas')).toBe('u9');
  });
});

describe('consent rules', () => {
  const now = 1_000_000;
  it('knows when a consent is in force', () => {
    expect(consentActive(undefined, now)).toBe(false);
    expect(consentActive({}, now)).toBe(true);
    expect(consentActive({ expiresAt: now + 1 }, now)).toBe(true);
    expect(consentActive({ expiresAt: now }, now)).toBe(false);
  });

  it('lets anyone be added before a client joins, and then only within the consent', () => {
    const base = { kind: 'case', members: [member('u1', 'hva', 'social_worker')] };
    expect(mayAddFrom('kela', base, now)).toBe(true);
    const withClient = { ...base, members: [...base.members, member('c1', 'clients', 'client')] };
    expect(mayAddFrom('kela', withClient, now)).toBe(false);
    expect(mayAddFrom('kela', { ...withClient, consent: { orgIds: ['kela'] } }, now)).toBe(true);
    expect(mayAddFrom('tyo', { ...withClient, consent: { orgIds: ['kela'] } }, now)).toBe(false);
    expect(mayAddFrom('kela', { ...withClient, consent: { orgIds: ['kela'], expiresAt: now - 1 } }, now)).toBe(false);
    expect(mayAddFrom('kela', { ...withClient, kind: 'consultation' }, now)).toBe(true);
  });
});

describe('invitationUsed', () => {
  it('is false while the invited client is named without a device, true once he joined with the code', () => {
    const invited = { userId: 'c1', devices: [] };
    expect(invitationUsed([invited], 'c1')).toBe(false);
    expect(invitationUsed([{ ...invited, devices: [device(1)] }], 'c1')).toBe(true);
    // Another client joining does not use this code.
    expect(invitationUsed([invited, { userId: 'c2', devices: [device(1)] }], 'c1')).toBe(false);
  });
});
