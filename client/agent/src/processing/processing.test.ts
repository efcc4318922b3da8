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
import { accessRecorder } from '../net/audit-access';

let dir: string;
let server: InProcessServer;
let opened: TestDevice[];

async function make(who: TestDeviceSpec): Promise<TestDevice> {
  const made = await makeTestDevice(dir, server, who);
  opened.push(made);
  return made;
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
});
