/**
 * What a workspace summary tells the UI beyond the member list: who created the
 * workspace (the UI lets only the creator insert the plan template, so two clients never
 * insert it twice) and the client's consent in force, as every member's own verified
 * chain records it. The workspace's label and the consent's purpose reach the members
 * only inside key messages (issue 15): the server's store holds neither.
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
  dir = mkdtempSync(join(tmpdir(), 'yp-summary-'));
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

describe('workspace summary', () => {
  it('names the creator to every member', async () => {
    const alice = await make({ name: 'alice', orgId: 'sote', role: 'social_worker' });
    const bob = await make({ name: 'bob', orgId: 'sote', role: 'social_worker' });
    const created = await alice.core.membership.create('consultation', 'Konsultaatio');
    expect(created.createdBy).toBe(alice.device.self.userId);
    expect(created.consent).toBeUndefined();
    expect(created.label).toBe('Konsultaatio');
    await alice.core.membership.addMember(created.workspaceId, bob.device.self.userId, { owner: true });
    await bob.core.sync.syncAll();
    const seen = (await bob.core.membership.list()).find((w) => w.workspaceId === created.workspaceId);
    expect(seen?.createdBy).toBe(alice.device.self.userId);
    // The timeline's history (issue 12) is bob's own verified chain, with names from certificates.
    const history = await bob.core.membership.history(created.workspaceId);
    expect(history?.entries.map((e) => [e.kind, e.by, e.subject])).toEqual([
      ['case_opened', alice.device.self.userId, undefined],
      ['member_added', alice.device.self.userId, bob.device.self.userId],
    ]);
    expect(history?.people.get(bob.device.self.userId)).toMatchObject({ orgId: 'sote', role: 'social_worker' });
    expect(await bob.core.membership.history('no-such-workspace')).toBeUndefined();
    // The label comes with the key: bob reads it once his mailbox delivers the key message.
    await waitUntil('bob reads the label', async () => {
      await bob.core.refresh();
      return (await bob.core.membership.list()).find((w) => w.workspaceId === created.workspaceId)?.label === 'Konsultaatio';
    });
  });

  it('keeps the label and the purpose out of the server: it stores only commitments, which a forged text does not match', async () => {
    const alice = await make({ name: 'alice', orgId: 'sote', role: 'social_worker' });
    const label = 'Matti Meikäläinen – lastensuojeluilmoitus';
    const { workspaceId } = await alice.core.membership.create('case', label);
    const invitation = await alice.core.membership.inviteClient(workspaceId, 'Matti Meikäläinen');
    const matti = await make({ name: 'matti', code: invitation.code });
    await waitUntil('matti joins the chain', async () => {
      await alice.core.sync.syncAll();
      await matti.core.sync.syncAll();
      return matti.core.keyRing.chainState(workspaceId)?.members.get(invitation.userId)?.devices.some((d) => d.deviceId === 1) === true;
    });
    await matti.core.membership.grantConsent(workspaceId, { orgIds: ['sote'], purpose: 'Lastensuojelun avohuolto' });
    await waitUntil('matti reads the label', async () => {
      await matti.core.refresh();
      return (await matti.core.membership.list()).find((w) => w.workspaceId === workspaceId)?.label === label;
    });
    // Everything the server stored, as text: no label, no purpose, no client name — only their commitments.
    const tables = server.sql("SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => String(r['name']));
    const stored = tables.map((t) => JSON.stringify(server.sql(`SELECT * FROM "${t}"`))).join('\n');
    const create = JSON.parse(String(server.sql('SELECT event FROM membership_events WHERE workspace_id = ? AND seq = 0', workspaceId)[0]?.['event'])) as { payload: Record<string, unknown> };
    expect(Object.keys(create.payload).sort()).toEqual(['creator', 'kind', 'labelCommitment']);
    expect(stored).toContain(String(create.payload['labelCommitment']));
    for (const text of ['Meikäläinen', 'lastensuojeluilmoitus', 'avohuolto']) expect(stored).not.toContain(text);
    // The chain's commitment decides: a text the chain does not commit to is never shown.
    const state = alice.core.keyRing.chainState(workspaceId);
    if (state === undefined) throw new Error('no chain');
    const heard: string[] = [];
    alice.core.keyRing.onChange((id, what) => heard.push(`${id} ${what}`));
    const forged = { kind: 'label' as const, text: 'KELA: kirjaudu https://huijaus.example', salt: new Uint8Array(16) };
    alice.core.texts.learn(workspaceId, [forged]);
    expect(alice.core.texts.labelOf(state)).toBe(label);
    // A text not seen before tells the UI to look again (it may be the one the chain names); a repeat does not.
    expect(heard).toEqual([`${workspaceId} membership`]);
    alice.core.texts.learn(workspaceId, [forged]);
    expect(heard).toHaveLength(1);
    expect(alice.core.texts.labelOf({ ...state, labelCommitment: 'f'.repeat(64) })).toBeUndefined();
  });

  it("carries the client's consent once granted, with its scope, purpose and expiry", async () => {
    const alice = await make({ name: 'alice', orgId: 'sote', role: 'social_worker' });
    const { workspaceId } = await alice.core.membership.create('case', 'Yhteinen asiakassuunnitelma');
    const invitation = await alice.core.membership.inviteClient(workspaceId, 'Asta Asiakas');
    const asta = await make({ name: 'asta', code: invitation.code });
    await waitUntil('asta joins the chain', async () => {
      await alice.core.sync.syncAll();
      await asta.core.sync.syncAll();
      return asta.core.keyRing.chainState(workspaceId)?.members.get(invitation.userId)?.devices.some((d) => d.deviceId === 1) === true;
    });

    const expiresAt = Date.now() + 30 * 24 * 3600 * 1000;
    const granted = await asta.core.membership.grantConsent(workspaceId, { orgIds: ['kela', 'sote'], purpose: 'Toimeentulotuen yhteistyö', expiresAt });
    expect(granted.consent).toEqual({ orgIds: ['kela', 'sote'], purpose: 'Toimeentulotuen yhteistyö', expiresAt, grantedBy: { userId: invitation.userId, deviceId: 1 } });

    // The purpose reaches alice inside the key message the client's agent sends again with the consent.
    await waitUntil('alice reads the purpose', async () => {
      // asta's agent sends it once it holds the key itself (from its own mailbox).
      await asta.core.refresh();
      await alice.core.refresh();
      return (await alice.core.membership.list()).find((w) => w.workspaceId === workspaceId)?.consent?.purpose === 'Toimeentulotuen yhteistyö';
    });
    const seen = (await alice.core.membership.list()).find((w) => w.workspaceId === workspaceId);
    expect(seen?.consent).toMatchObject({ orgIds: ['kela', 'sote'], purpose: 'Toimeentulotuen yhteistyö', expiresAt });
    expect(seen?.createdBy).toBe(alice.device.self.userId);
  });
});
