/**
 * Invitations, not conscription (issue 15), against the real server with agents in this
 * process: a professional added by someone else holds the workspace only as an invitation
 * (who invited him, from his certificates, and the label) until he accepts — a decision in
 * his own profile; declining is a signed self-removal after which an owner rotates the key
 * he never gets. A client cannot create a workspace at all.
 */
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeysAgents } from './keys-agents.testkit';
import type { KeysAgent } from './keys-agents.testkit';
import type { Role } from '@yhteispoyta/crypto/types';
import { AcceptanceStore } from './workspace-acceptance';

type Agent = KeysAgent;

let world: KeysAgents;

beforeAll(async () => {
  world = await KeysAgents.start('yp-invitations-');
});

afterAll(async () => {
  await world?.close();
});

const startAgent = (name: string, code: string): Promise<Agent> => world.startAgent(name, code);
const professional = (name: string, orgId: string, role: Exclude<Role, 'client'>): Promise<Agent> => world.professional(name, orgId, role);

describe('invitations', () => {
  it('an added professional is invited until he accepts; declining leaves, and an owner rotates the key without him', async () => {
    const sari = await professional('Sari Virtanen', 'hyvinvointialue', 'social_worker');
    const helmi = await professional('Helmi Lahtinen', 'hyvinvointialue', 'health_professional');
    const kalle = await professional('Kalle Korhonen', 'kela', 'kela_expert');

    const { workspaceId: ws } = await sari.core.membership.create('consultation', 'Kotihoidon konsultaatio');
    // The creator chose it: no invitation of his own.
    expect(sari.core.membership.isAccepted(ws)).toBe(true);
    expect(await sari.core.membership.invitations()).toEqual([]);

    await sari.core.membership.addMember(ws, helmi.device.self.userId);
    await waitUntil('helmi holds the chain', () => helmi.core.keyRing.chainState(ws) !== undefined);
    expect(helmi.core.membership.isAccepted(ws)).toBe(false);
    // The label's text arrives with the key (the chain holds its commitment only).
    await waitUntil('helmi reads the label', async () => (await helmi.core.membership.invitations())[0]?.label === 'Kotihoidon konsultaatio');
    expect(await helmi.core.membership.invitations()).toEqual([
      {
        workspaceId: ws,
        kind: 'consultation',
        label: 'Kotihoidon konsultaatio',
        invitedAt: expect.any(Number),
        invitedBy: { userId: sari.device.self.userId, displayName: 'Sari Virtanen', orgName: expect.any(String), certified: true },
      },
    ]);
    // Accepting is his own decision, kept in his profile.
    const accepted = await helmi.core.membership.acceptInvitation(ws);
    expect(accepted.workspaceId).toBe(ws);
    expect(helmi.core.membership.isAccepted(ws)).toBe(true);
    expect(await helmi.core.membership.invitations()).toEqual([]);
    expect(new AcceptanceStore(helmi.profile).decision(ws)).toBe('accepted');

    // Kalle declines: a signed self-removal; Sari's agent (the owner) rotates and Kalle gets no new key.
    await sari.core.membership.addMember(ws, kalle.device.self.userId);
    await waitUntil('kalle is invited', async () => (await kalle.core.membership.invitations()).some((i) => i.workspaceId === ws));
    await kalle.core.membership.declineInvitation(ws);
    expect(new AcceptanceStore(kalle.profile).decision(ws)).toBe('declined');
    await waitUntil('sari rotated after kalle left', async () => {
      await sari.core.sync.syncWorkspace(ws);
      return sari.core.keyRing.chainState(ws)?.epoch === 2;
    });
    const state = sari.core.keyRing.chainState(ws);
    expect(state?.members.has(kalle.device.self.userId)).toBe(false);
    expect(state?.rotationRequired).toBe(false);
    await waitUntil('helmi has epoch 2', () => helmi.core.keyRing.epochKey(ws, 2) !== undefined);
    await kalle.core.refresh();
    expect(kalle.core.keyRing.epochKey(ws, 2)).toBeUndefined();
    expect(await kalle.core.membership.invitations()).toEqual([]);
    expect(kalle.core.membership.isAccepted(ws)).toBe(false);
    // Declining twice, or declining what was accepted, is refused with a code.
    await expect(helmi.core.membership.declineInvitation(ws)).rejects.toMatchObject({ code: 'invalid' });
  });

  it('a client cannot create a workspace: his agent refuses before anything is signed', async () => {
    const pia = await professional('Pia Nieminen', 'hyvinvointialue', 'social_worker');
    const { workspaceId: ws } = await pia.core.membership.create('case', 'Pian asiakkuus');
    const invitation = await pia.core.membership.inviteClient(ws, 'Matti Meikäläinen');
    const matti = await startAgent('matti', invitation.code);
    await waitUntil('matti is in his case', () => matti.core.keyRing.chainState(ws) !== undefined);
    // He joined with the code he typed: his case is his without a further question.
    expect(matti.core.membership.isAccepted(ws)).toBe(true);
    await waitUntil('matti certified', () => matti.core.devices.certification().state === 'certified');
    await expect(matti.core.membership.create('case', 'KELA: tunnuksesi vanhenee')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(matti.core.membership.create('consultation', 'x')).rejects.toMatchObject({ code: 'forbidden' });
  });
});
