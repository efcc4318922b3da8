/**
 * Revoking consent removes the affected organisation's members. A client person is
 * invited into a case workspace and enrols her own device with the invitation code; she
 * grants consent to the owner's and two other organisations, a professional of each is added, and everyone
 * edits the plan. She then revokes one organisation: its member disappears from every
 * agent's verified member list, cannot be added back, gets no key of the new epoch, and
 * cannot open anything stored after the revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForSameChat, waitForSameHash } from './convergence';
import { ANNA, AgentApiError, Cluster, SINI, waitFor } from './harness';
import type { ClusterAgent, Workspace } from './harness';
import { attemptOpen } from './open-attempt';
import { readHeldKeys } from './profile-keys';
import { lastSeq, registeredIdentityKeys, storedCiphertexts } from './server-store';

let cluster: Cluster;
let anna: ClusterAgent;
let sini: ClusterAgent;
let heikki: ClusterAgent;
let asta: ClusterAgent;
let county: string;
let health: string;
let kela: string;
let workspace: Workspace;

beforeAll(async () => {
  cluster = await Cluster.start();
  const social = 'Hyvinvointialue, sosiaalipalvelut';
  const healthCare = 'Hyvinvointialue, terveyspalvelut';
  ({ anna, sini, heikki } = await cluster.team({
    anna: ANNA,
    sini: { ...SINI, org: social },
    heikki: { org: healthCare, role: 'health_professional', displayName: 'Heikki Hoitaja' },
  }));
  county = cluster.orgId(social);
  health = cluster.orgId(healthCare);
  kela = cluster.orgId(ANNA.org);
  workspace = await anna.api.createWorkspace('case', 'Asiakkaan suunnitelma');
}, 240_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

async function memberIds(agent: ClusterAgent, workspaceId: string): Promise<string[]> {
  return (await agent.api.members(workspaceId)).map((m) => m.userId).sort();
}

describe('consent', () => {
  it('an invited client grants consent to two organisations and revoking one removes its member everywhere', async () => {
    const { workspaceId } = workspace;
    const invitation = await anna.api.invite(workspaceId, 'Asta Asiakas');
    asta = await cluster.startAgent('asta');
    await cluster.enrol(asta, invitation.code);
    expect(asta.userId).toBe(invitation.userId);
    expect((await asta.api.status()).device).toMatchObject({ role: 'client' });

    // The owner's agent brings the client's first device into the chain once it is enrolled.
    await waitFor(async () => (await anna.api.members(workspaceId)).find((m) => m.userId === asta.userId)?.devices.some((d) => d.deviceId === 1), {
      timeoutMs: 120_000,
      what: "the client's device to join the chain",
    });
    await waitFor(async () => (await asta.api.workspaces()).some((w) => w.workspaceId === workspaceId), { timeoutMs: 60_000, what: 'asta to hold the workspace' });

    // Without consent no professional of another organisation may be added.
    await expect(anna.api.addMember(workspaceId, sini.userId)).rejects.toBeInstanceOf(AgentApiError);
    // Kela too: Anna owns the case, and an answer that left her organisation out would remove her (issue 13).
    await asta.api.grantConsent(workspaceId, [kela, county, health], 'Yhteinen asiakassuunnitelma');
    // The owner's agent verifies the grant from the chain before it lets him add anyone.
    await waitFor(() => anna.api.addMember(workspaceId, sini.userId).then(() => true), { timeoutMs: 60_000, what: 'sini to be added under the consent' });
    await anna.api.addMember(workspaceId, heikki.userId);

    const everyone = [anna, sini, heikki, asta];
    const expectedBefore = [anna.userId, sini.userId, heikki.userId, asta.userId].sort();
    for (const agent of everyone) {
      await waitFor(async () => (await memberIds(agent, workspaceId).catch(() => [])).join() === expectedBefore.join(), {
        timeoutMs: 60_000,
        what: `${agent.name} to list all four members`,
      });
    }
    const editors = await Promise.all(everyone.map((agent) => cluster.openEditor(agent, workspaceId)));
    editors.forEach((editor, i) => editor.insertWord(`${everyone[i]?.name}-kirjaus`));
    await heikki.api.sendChat(workspaceId, 'heikki: terveystiedot liitteenä');
    await waitForSameHash(everyone, workspaceId);
    await waitForSameChat(everyone, workspaceId, 1);

    const revoked = await asta.api.revokeConsent(workspaceId, [health]);
    expect(revoked.members.map((m) => m.userId).sort()).toEqual([anna.userId, sini.userId, asta.userId].sort());
    expect(revoked.epoch).toBe(2);
    const rotatedAt = lastSeq(cluster.server.storePath, workspaceId);

    const remaining = [anna, sini, asta];
    for (const agent of remaining) {
      await waitFor(
        async () => {
          const summary = (await agent.api.workspaces()).find((w) => w.workspaceId === workspaceId);
          return summary !== undefined && summary.epoch === 2 && !summary.members.some((m) => m.userId === heikki.userId);
        },
        { timeoutMs: 60_000, what: `${agent.name} to drop heikki and reach epoch 2` },
      );
    }
    await waitFor(async () => !(await heikki.api.workspaces()).some((w) => w.workspaceId === workspaceId), { timeoutMs: 60_000, what: 'heikki to lose the workspace' });
    // Outside the consent now: the owner cannot bring him back.
    await expect(anna.api.addMember(workspaceId, heikki.userId)).rejects.toMatchObject({ name: 'AgentApiError' });

    // Work goes on without him.
    editors[0]?.insertWord('suostumuksen-jälkeen');
    await asta.api.sendChat(workspaceId, 'asta: jatketaan ilman terveyspalveluja');
    await waitForSameHash(remaining, workspaceId);
    await waitForSameChat(remaining, workspaceId, 2);
    const stored = await waitFor(
      () => {
        const items = storedCiphertexts(cluster.server.storePath, workspaceId, rotatedAt);
        return items.some((i) => i.kind === 'snapshot') && items.some((i) => i.kind === 'chat') ? items : undefined;
      },
      { timeoutMs: 60_000, what: 'new-epoch ciphertexts in the store' },
    );

    await heikki.process.stop();
    const held = await readHeldKeys(heikki.process.profilesDir, heikki.profile, heikki.passphrase);
    const epochs = held.epochKeys.filter((k) => k.workspaceId === workspaceId).map((k) => k.epoch);
    expect(epochs).toContain(1);
    expect(epochs.every((epoch) => epoch < 2)).toBe(true);
    const identities = registeredIdentityKeys(cluster.server.storePath);
    for (const item of stored) {
      expect(item.epoch).toBe(2);
      for (const key of [...held.epochKeys.map((k) => k.key), ...held.every32ByteValue]) {
        expect(attemptOpen(item, workspaceId, identities, () => key)).toMatchObject({ ok: false, code: 'wrong_key' });
      }
    }
    for (const agent of remaining) expect(await agent.api.problems(), agent.name).toEqual([]);
  }, 360_000);
});
