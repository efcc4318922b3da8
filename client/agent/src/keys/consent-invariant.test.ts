/**
 * Consent always matches membership (issue 13), as agents against the real server see it:
 * professionals added before the client joined are marked outside the consent until he
 * answers; his answer removes whom it leaves out, on every member's own verified chain,
 * with a new key they do not get; revoking consent for the owner's organisation is refused
 * unless it hands the case over (or closes it), and after a hand-over the new owner runs
 * the case.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startInProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { InProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import { makeTestDevice } from './test-device.testkit';
import type { TestDevice, TestDeviceSpec } from './test-device.testkit';

let dir: string;
let server: InProcessServer;
let opened: TestDevice[];

async function make(who: TestDeviceSpec): Promise<TestDevice> {
  const made = await makeTestDevice(dir, server, who);
  opened.push(made);
  return made;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-consent-'));
  server = await startInProcessServer();
  opened = [];
});
afterEach(async () => {
  for (const d of opened) {
    d.core.close();
    d.profile.close();
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Sari (sote, owner) with Kalle (Kela) and Helmi (hospital) added before the client Asta joins. */
async function preConsentCase() {
  const sari = await make({ name: 'sari', orgId: 'sote', role: 'social_worker' });
  const kalle = await make({ name: 'kalle', orgId: 'kela', role: 'kela_expert' });
  const helmi = await make({ name: 'helmi', orgId: 'hus', role: 'health_professional' });
  const { workspaceId } = await sari.core.membership.create('case', 'Yhteinen suunnitelma');
  await sari.core.membership.addMember(workspaceId, kalle.device.self.userId);
  await sari.core.membership.addMember(workspaceId, helmi.device.self.userId);
  const invitation = await sari.core.membership.inviteClient(workspaceId, 'Asta Asiakas');
  const asta = await make({ name: 'asta', code: invitation.code });
  await waitUntil('asta joins the chain', async () => {
    await sari.core.sync.syncAll();
    await asta.core.sync.syncAll();
    return asta.core.keyRing.chainState(workspaceId)?.members.get(invitation.userId)?.devices.some((d) => d.deviceId === 1) === true;
  });
  for (const d of [kalle, helmi]) await d.core.sync.syncAll();
  return { sari, kalle, helmi, asta, workspaceId };
}

async function summaryOf(device: TestDevice, workspaceId: string) {
  await device.core.sync.syncAll();
  return (await device.core.membership.list()).find((w) => w.workspaceId === workspaceId);
}

describe('consent and membership (issue 13)', () => {
  it('marks the members added before the client joined on every agent, and his answer removes whom he leaves out', async () => {
    const { sari, kalle, helmi, asta, workspaceId } = await preConsentCase();
    for (const device of [sari, kalle, helmi, asta]) {
      const seen = await summaryOf(device, workspaceId);
      expect(seen?.consentAnswered).toBe(false);
      const outside = seen?.members.filter((m) => m.outsideConsent === true).map((m) => m.userId).sort();
      expect(outside).toEqual([sari, kalle, helmi].map((d) => d.device.self.userId).sort());
    }
    // Until the client answers, nobody else joins.
    const olli = await make({ name: 'olli', orgId: 'hus', role: 'health_professional' });
    await expect(sari.core.membership.addMember(workspaceId, olli.device.self.userId)).rejects.toMatchObject({ code: 'consent_scope' });

    // Asta consents to sote and Kela only: Helmi leaves with the answer, and the key changes.
    const answered = await asta.core.membership.grantConsent(workspaceId, { orgIds: ['sote', 'kela'], purpose: 'Toimeentulotuen yhteistyö' });
    expect(answered.members.map((m) => m.userId)).not.toContain(helmi.device.self.userId);
    expect(answered.members.some((m) => m.outsideConsent === true)).toBe(false);
    expect(answered.epoch).toBe(2);
    for (const device of [sari, kalle]) {
      await waitUntil(`${device.device.self.userId} drops helmi`, async () => {
        const seen = await summaryOf(device, workspaceId);
        return seen?.consentAnswered === true && seen.epoch === 2 && !seen.members.some((m) => m.userId === helmi.device.self.userId);
      });
    }
    await waitUntil('helmi loses the case', async () => (await summaryOf(helmi, workspaceId)) === undefined);
    expect(helmi.core.keyRing.epochKey(workspaceId, 2)).toBeUndefined();
    // After the answer the owner cannot bring her back.
    await expect(sari.core.membership.addMember(workspaceId, helmi.device.self.userId)).rejects.toMatchObject({ code: 'consent_scope' });
  });

  it("refuses revoking the owner's organisation without a hand-over, and the heir runs the case after one", async () => {
    const { sari, kalle, helmi, asta, workspaceId } = await preConsentCase();
    await asta.core.membership.grantConsent(workspaceId, { orgIds: ['sote', 'kela', 'hus'], purpose: 'Yhteistyö' });
    await expect(asta.core.membership.revokeConsent(workspaceId, ['sote'])).rejects.toMatchObject({ code: 'ownerless' });
    // A hand-over to someone the answer removes as well is refused by the chain rules too.
    await expect(asta.core.membership.revokeConsent(workspaceId, ['sote', 'kela'], { handOverTo: kalle.device.self.userId })).rejects.toMatchObject({
      code: 'invalid',
    });

    const handed = await asta.core.membership.revokeConsent(workspaceId, ['sote'], { handOverTo: kalle.device.self.userId });
    expect(handed.members.find((m) => m.userId === kalle.device.self.userId)?.owner).toBe(true);
    expect(handed.members.map((m) => m.userId)).not.toContain(sari.device.self.userId);
    expect(handed.closed).toBe(false);
    await waitUntil('kalle owns the case on his own chain', async () => {
      const seen = await summaryOf(kalle, workspaceId);
      return seen?.members.find((m) => m.userId === kalle.device.self.userId)?.owner === true && seen.epoch >= 2;
    });
    // The new owner can act: he removes Helmi (hus is still consented).
    const after = await kalle.core.membership.removeMember(workspaceId, helmi.device.self.userId);
    expect(after.members.map((m) => m.userId).sort()).toEqual([asta.device.self.userId, kalle.device.self.userId].sort());
    await waitUntil('sari loses the case', async () => (await summaryOf(sari, workspaceId)) === undefined);
  });

  it('closes the case when the client revokes the last organisation and chooses closing', async () => {
    const { sari, asta, workspaceId } = await preConsentCase();
    await asta.core.membership.grantConsent(workspaceId, { orgIds: ['sote'], purpose: 'Yhteistyö' });
    const closed = await asta.core.membership.revokeConsent(workspaceId, ['sote'], { close: true });
    expect(closed.closed).toBe(true);
    expect(closed.members.map((m) => m.userId)).toEqual([asta.device.self.userId]);
    await waitUntil('sari loses the case', async () => (await summaryOf(sari, workspaceId)) === undefined);
  });
});
