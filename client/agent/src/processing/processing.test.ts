/**
 * "Tietojeni käsittely" after a scripted session against the real server (issue 13): the
 * consent history and bases of access from the verified chain, the processing log from the
 * server's audit log with "opened" and "exported" as the agents recorded them, named from
 * certificates — and an audit entry changed in the server's database is flagged as a broken
 * log (a typed result and a problem), not shown as fact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startInProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { InProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import { makeTestDevice } from '../keys/test-device.testkit';
import type { TestDevice, TestDeviceSpec } from '../keys/test-device.testkit';
import { newTextSalt } from '@yhteispoyta/crypto/workspace-texts';
import { accessRecorder } from '../net/audit-access';

let dir: string;
let server: InProcessServer;
let opened: TestDevice[];

async function make(who: TestDeviceSpec): Promise<TestDevice> {
  const made = await makeTestDevice(dir, server, who);
  opened.push(made);
  return made;
}

/**
 * The case both tests start from: Sari (sote) opens it and invites Jani, who joins and
 * consents to sote and Kela; Kalle (Kela) exists but is not yet a member.
 */
async function consentedCase() {
  const sari = await make({ name: 'sari', orgId: 'sote', role: 'social_worker' });
  const kalle = await make({ name: 'kalle', orgId: 'kela', role: 'kela_expert' });
  const { workspaceId } = await sari.core.membership.create('case', 'Asiakassuunnitelma');
  const invitation = await sari.core.membership.inviteClient(workspaceId, 'Jani Asiakas');
  const jani = await make({ name: 'jani', code: invitation.code });
  await waitUntil('jani joins the chain', async () => {
    await sari.core.sync.syncAll();
    await jani.core.sync.syncAll();
    return jani.core.keyRing.chainState(workspaceId)?.members.get(invitation.userId)?.devices.length === 1;
  });
  await jani.core.membership.grantConsent(workspaceId, { orgIds: ['sote', 'kela'], purpose: 'Toimeentulotuen yhteistyö' });
  await sari.core.sync.syncAll();
  return { sari, kalle, jani, workspaceId, invitation };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-processing-'));
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

describe('the processing view', () => {
  it('shows consent history, bases and the checked log of a scripted session, and flags a tampered entry', async () => {
    const { sari, kalle, jani, workspaceId, invitation } = await consentedCase();
    await sari.core.membership.addMember(workspaceId, kalle.device.self.userId);
    await jani.core.sync.syncAll();

    const silent = pino({ level: 'silent' });
    expect(await accessRecorder(kalle.device.rest, silent)(workspaceId, { action: 'opened', what: 'plan' })).toBe(true);
    expect(await accessRecorder(sari.device.rest, silent)(workspaceId, { action: 'exported', what: 'plan', format: 'pdf' })).toBe(true);
    // Not a member: refused by the server (and reported as not recorded, never thrown).
    const outsider = await make({ name: 'olli', orgId: 'hus', role: 'health_professional' });
    expect(await accessRecorder(outsider.device.rest, silent)(workspaceId, { action: 'opened', what: 'plan' })).toBe(false);

    const view = await jani.core.processing.view(workspaceId);
    expect(view.consentHistory.map((s) => [s.kind, s.orgIds])).toEqual([['granted', ['sote', 'kela']]]);
    expect(view.consentHistory[0]?.purpose).toBe('Toimeentulotuen yhteistyö');
    const basis = Object.fromEntries(view.bases.map((b) => [b.userId, b.basis]));
    expect(basis).toEqual({ [sari.device.self.userId]: 'consent', [kalle.device.self.userId]: 'consent', [invitation.userId]: 'self' });
    expect(view.integrity).toEqual({ ok: true, entries: view.log.length });
    const opened = view.log.find((e) => e.action === 'document_open');
    expect(opened).toMatchObject({ actor: kalle.device.self, detail: { what: 'plan' } });
    // Named from his certificate (the name his organisation certified), not the server's word.
    expect(opened?.actorName).toBe('kalle');
    expect(view.log.find((e) => e.action === 'export')).toMatchObject({ actor: sari.device.self, detail: { what: 'plan', format: 'pdf' } });
    const appended = view.log.filter((e) => e.action === 'membership_append').map((e) => e.detail['type']);
    expect(appended).toEqual(expect.arrayContaining(['create', 'add_member', 'grant_consent']));
    expect(view.log.some((e) => e.actor?.userId === outsider.device.self.userId && e.action === 'document_open')).toBe(false);

    // The operator changes who opened the plan, under the server.
    const seq = opened?.seq ?? 0;
    server.sql('UPDATE audit SET actor_user = ? WHERE seq = ?', sari.device.self.userId, seq);
    const broken = await jani.core.processing.view(workspaceId);
    expect(broken.integrity).toMatchObject({ ok: false, seq });
    expect(jani.problems.some((p) => p.code === 'audit_broken' && p.workspaceId === workspaceId)).toBe(true);
  });

  it("shows an owner's statutory basis to the client; it keeps him when the client revokes his organisation, nobody else", async () => {
    const STATUTE = 'Sosiaalihuoltolaki (1301/2014) 42 § – omatyöntekijä';
    const { sari, kalle, jani, workspaceId, invitation } = await consentedCase();
    // Kalle is an owner too, of Kela: he answers for Kela's staff only.
    await sari.core.membership.addMember(workspaceId, kalle.device.self.userId, { owner: true });
    const sariId = sari.device.self.userId;

    await sari.core.membership.recordBasis(workspaceId, sariId, STATUTE);
    // Kalle has the signed event but not yet the text: a basis is recorded, its text missing.
    await kalle.core.sync.syncAll();
    const early = (await kalle.core.processing.view(workspaceId)).bases.find((b) => b.userId === sariId);
    expect(early).toMatchObject({ basis: 'statute', statute: { recordedBy: sariId } });
    expect(early?.statute?.text).toBeUndefined();
    // Another text than the committed one (as a key message could carry it) is never shown.
    kalle.core.texts.learn(workspaceId, [{ kind: 'basis', text: 'Lastensuojelulaki (417/2007)', salt: newTextSalt() }]);
    expect((await kalle.core.processing.view(workspaceId)).bases.find((b) => b.userId === sariId)?.statute?.text).toBeUndefined();
    // The text reaches jani inside the key message sari's agent sends again with the basis.
    await waitUntil("jani's view shows the basis with its text", async () => {
      await sari.core.refresh();
      await jani.core.refresh();
      const view = await jani.core.processing.view(workspaceId);
      return view.bases.find((b) => b.userId === sariId)?.statute?.text === STATUTE;
    });
    const view = await jani.core.processing.view(workspaceId);
    expect(view.bases.find((b) => b.userId === sariId)).toMatchObject({ basis: 'statute', statute: { text: STATUTE, recordedBy: sariId, recordedByName: 'sari' } });
    expect(view.bases.find((b) => b.userId === kalle.device.self.userId)?.basis).toBe('consent');
    // The timeline says it was recorded (the text itself is not in the chain).
    expect((await jani.core.membership.history(workspaceId))?.entries.at(-1)).toMatchObject({ kind: 'basis_recorded', by: sariId, subject: sariId });

    // An owner of another organisation cannot record one for a county worker: refused, nothing appended.
    await kalle.core.sync.syncAll();
    const before = kalle.core.keyRing.chainState(workspaceId)?.seq;
    await expect(kalle.core.membership.recordBasis(workspaceId, sariId, 'Lastensuojelulaki (417/2007)')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(sari.core.membership.recordBasis(workspaceId, sariId, 'x'.repeat(301))).rejects.toMatchObject({ code: 'malformed' });
    await kalle.core.sync.syncAll();
    expect(kalle.core.keyRing.chainState(workspaceId)?.seq).toBe(before);

    // The client revokes consent for the county: Sari stays, as owner, without a hand-over.
    await jani.core.sync.syncAll();
    const revoked = await jani.core.membership.revokeConsent(workspaceId, ['sote']);
    expect(revoked.members.find((m) => m.userId === sariId)).toMatchObject({ owner: true, statutoryBasis: true });
    expect(revoked.members.some((m) => m.outsideConsent === true)).toBe(false);
    const history = (await jani.core.processing.view(workspaceId)).consentHistory;
    expect(history.at(-1)).toMatchObject({ kind: 'revoked', revokedOrgIds: ['sote'], removed: [] });
    // Withdrawing the basis now would leave her outside the consent: refused (remove her instead).
    await waitUntil('sari sees the revocation', async () => {
      await sari.core.sync.syncAll();
      return sari.core.keyRing.chainState(workspaceId)?.consent?.orgIds.join() === 'kela';
    });
    await expect(sari.core.membership.recordBasis(workspaceId, sariId, null)).rejects.toMatchObject({ code: 'consent_scope' });
    // Kalle, added under the consent, still follows it.
    const kelaOut = await jani.core.membership.revokeConsent(workspaceId, ['kela']);
    expect(kelaOut.members.map((m) => m.userId).sort()).toEqual([invitation.userId, sariId].sort());
  });
});
