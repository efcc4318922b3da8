/**
 * What a workspace summary tells the UI beyond the member list: who created the
 * workspace (the UI lets only the creator insert the plan template, so two clients never
 * insert it twice) and the client's consent in force, as every member's own verified
 * chain records it.
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
    await alice.core.membership.addMember(created.workspaceId, bob.device.self.userId, { owner: true });
    await bob.core.sync.syncAll();
    const seen = (await bob.core.membership.list()).find((w) => w.workspaceId === created.workspaceId);
    expect(seen?.createdBy).toBe(alice.device.self.userId);
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

    await alice.core.sync.syncAll();
    const seen = (await alice.core.membership.list()).find((w) => w.workspaceId === workspaceId);
    expect(seen?.consent).toMatchObject({ orgIds: ['kela', 'sote'], purpose: 'Toimeentulotuen yhteistyö', expiresAt });
    expect(seen?.createdBy).toBe(alice.device.self.userId);
  });
});
