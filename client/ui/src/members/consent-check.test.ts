import { describe, expect, it } from 'vitest';
import type { Member } from '@yhteispoyta/local-api';
import { answerEffect, endingFields, presentOrgIds } from './consent-check';

const member = (userId: string, orgId: string, role: Member['role'], owner = false, devices = 1): Member => ({
  userId,
  orgId,
  role,
  owner,
  devices: Array.from({ length: devices }, (_, i) => ({ deviceId: i + 1, keyHash: '0'.repeat(64) })),
  certified: true,
  uncertifiedDevices: [],
});
const anna = member('anna', 'county', 'social_worker', true);
const liisa = member('liisa', 'kela', 'kela_expert');
const olli = member('olli', 'hus', 'health_professional', false, 0);
const jani = member('jani', 'clients', 'client');
const all = [anna, liisa, olli, jani];

describe('answerEffect', () => {
  it('lists who leaves with an answer and keeps the client', () => {
    const effect = answerEffect(all, new Set(['county']));
    expect(effect.leaving.map((m) => m.userId)).toEqual(['liisa', 'olli']);
    expect(effect.ownersLost).toBe(false);
    expect(endingFields(effect, { close: true })).toEqual({});
  });

  it("needs a hand-over or closing when the owner's organisation goes; only members with a device can take over", () => {
    const effect = answerEffect(all, new Set(['kela', 'hus']));
    expect(effect.ownersLost).toBe(true);
    expect(effect.heirs.map((m) => m.userId)).toEqual(['liisa']);
    expect(endingFields(effect, { handOverTo: 'liisa' })).toEqual({ handOverTo: 'liisa' });
    expect(endingFields(effect, { close: true })).toEqual({ close: true });
  });

  it('keeps a member with a statutory basis: revoking his organisation then needs no hand-over', () => {
    const recorded = [{ ...anna, statutoryBasis: true }, liisa, olli, jani];
    const effect = answerEffect(recorded, new Set(['kela']));
    expect(effect.leaving.map((m) => m.userId)).toEqual(['olli']);
    expect(effect.ownersLost).toBe(false);
    expect(endingFields(effect, { handOverTo: 'liisa' })).toEqual({});
  });

  it('asks first about the organisations already present', () => {
    expect(presentOrgIds(all).sort()).toEqual(['county', 'hus', 'kela']);
  });
});
