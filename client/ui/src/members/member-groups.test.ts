import { describe, expect, it } from 'vitest';
import type { Member } from '../api/schemas';
import { consentActive, groupMembers, mayAddFrom } from './member-groups';

const member = (userId: string, orgId: string, role: Member['role'], owner = false): Member => ({ userId, orgId, role, owner, devices: [1] });
const names: Record<string, string> = { u1: 'Sini', u2: 'Anna', u3: 'Kalle', c1: 'Asta', hva: 'Hyvinvointialue', kela: 'Kela', clients: 'Asiakas' };

describe('groupMembers', () => {
  it('puts the client first, then organisations by name, members by role and name', () => {
    const groups = groupMembers(
      [member('u3', 'kela', 'kela_expert'), member('u1', 'hva', 'social_worker'), member('c1', 'clients', 'client'), member('u2', 'hva', 'social_worker')],
      (id) => names[id] ?? id,
      (m) => names[m.userId] ?? m.userId,
    );
    expect(groups.map((g) => g.orgName)).toEqual(['Asiakas', 'Hyvinvointialue', 'Kela']);
    expect(groups[1]?.members.map((m) => m.name)).toEqual(['Anna', 'Sini']);
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
