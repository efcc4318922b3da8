/**
 * The device core against the real server on 127.0.0.1 port 0, with four agents in this
 * process (separate profiles): enrolment, login, a case workspace, a professional added,
 * a client invited who enrols and consents to an organisation, a professional of that
 * organisation added, and the consent revoked: his membership ends and the new epoch's key
 * never reaches his device.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '@yhteispoyta/server/app';
import type { RunningServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { TEST_ADMIN_TOKEN, certifyTestLog, issueProfessionalCode } from '@yhteispoyta/server/http/certified.testkit';
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import type { Role } from '@yhteispoyta/crypto/types';
import type { Device } from '../account/device';
import { enrolDevice } from '../account/enrol';
import type { NewProblem } from '../contracts';
import type { SocketServerLink } from '../net/server-link';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { createKeysCore } from './keys-core';
import type { KeysCore } from './keys-core';


interface Agent {
  readonly device: Device;
  readonly link: SocketServerLink;
  readonly core: KeysCore;
  readonly problems: NewProblem[];
  readonly profile: ProfileDb;
}

let dir: string;
let server: RunningServer;
const agents: Agent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-e2e-keys-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    SQLITE_PATH: join(dir, 'server.db'),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    RATE_PER_IP_PER_MINUTE: '1000000',
    RATE_PER_DEVICE_PER_MINUTE: '1000000',
  });
  server = await startServer({ config });
  // As create-org leaves it: agents rely on no certificate whose log they cannot check.
  await certifyTestLog(server);
});

afterAll(async () => {
  for (const agent of agents) {
    agent.core.close();
    await agent.link.close();
    agent.device.close();
    agent.profile.close();
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});


/** A new profile enrolled with `code`, logged in, linked, its keys module started. */
async function startAgent(name: string, code: string): Promise<Agent> {
  const created = await createProfile(dir, name, 'salasana', { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  const enrolled = await enrolDevice(created.profile, { serverUrl: server.url, code });
  if (!enrolled.ok) throw new Error(`${enrolled.code}: ${enrolled.message}`);
  const device = enrolled.device;
  await device.login();
  const problems: NewProblem[] = [];
  const sink = { report: (p: NewProblem) => problems.push(p) };
  const link = device.connect(sink, { reconnectDelayMs: 50 });
  const core = createKeysCore({ device, link, problems: sink, clientPollMs: 100 });
  const agent = { device, link, core, problems, profile: created.profile };
  agents.push(agent);
  await waitUntil(`${name} online`, () => link.status() === 'online');
  await core.refresh();
  return agent;
}

/** A professional's agent: enrolled with a code of his organisation, then certified as its admin tool does. */
async function professional(name: string, orgId: string, role: Exclude<Role, 'client'>): Promise<Agent> {
  const issued = await issueProfessionalCode(server, { orgId, role, displayName: name });
  const agent = await startAgent(name.toLowerCase(), issued.code);
  expect(agent.core.devices.certification().state).toBe('pending');
  await issued.certify();
  await waitUntil(`${name} certified`, () => agent.core.devices.certification().state === 'certified');
  return agent;
}

describe('agent core against the real server', () => {
  it('case workspace: members, an invited client, consent and its revocation', async () => {
    const sote = 'hyvinvointialue';
    const kela = 'kela';
    const sari = await professional('Sari', sote, 'social_worker');
    const helmi = await professional('Helmi', sote, 'health_professional');
    const kalle = await professional('Kalle', kela, 'kela_expert');

    // Enrolment published the prekeys; login and maintenance agree with the server.
    expect(await sari.device.rest.call('countPrekeys', {})).toEqual({ ec: 100, kyber: 100 });

    const created = await sari.core.membership.create('case', 'Asiakassuunnitelma');
    const ws = created.workspaceId;
    expect(ws).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const epoch1 = sari.core.keyRing.epochKey(ws, 1);

    await sari.core.membership.addMember(ws, helmi.device.self.userId);
    await waitUntil('helmi has epoch 1', () => helmi.core.keyRing.epochKey(ws, 1) !== undefined);
    expect(bytesEqual(helmi.core.keyRing.epochKey(ws, 1) ?? new Uint8Array(), epoch1 ?? new Uint8Array(1))).toBe(true);

    // The client is invited, enrols, and the owner's agent brings her device in.
    const invitation = await sari.core.membership.inviteClient(ws, 'Asta Asiakas');
    const asta = await startAgent('asta', invitation.code);
    expect(asta.device.role).toBe('client');
    await waitUntil('asta has epoch 1', () => asta.core.keyRing.epochKey(ws, 1) !== undefined);
    expect(asta.core.keyRing.chainState(ws)?.members.get(asta.device.self.userId)?.devices.map((d) => d.deviceId)).toEqual([1]);
    // Sari's agent certified her; the name Sari typed reached her (and Helmi) only inside key messages.
    expect(asta.core.devices.certification().state).toBe('certified');
    await waitUntil('helmi knows the client by name', async () => (await helmi.core.membership.list())[0]?.members.find((m) => m.role === 'client')?.displayName === 'Asta Asiakas');
    // The client learns her own name the same way; her status shows it.
    await waitUntil('asta knows her own name', () => asta.core.devices.certification().state === 'certified' && asta.device.displayName === 'Asta Asiakas');

    // Without consent no Kela professional can be added; with it he can.
    await expect(sari.core.membership.addMember(ws, kalle.device.self.userId)).rejects.toMatchObject({ code: 'consent_scope' });
    await asta.core.membership.grantConsent(ws, { orgIds: [sote, kela], purpose: 'Toimeentulotuen yhteistyö' });
    await sari.core.membership.addMember(ws, kalle.device.self.userId);
    await waitUntil('kalle has epoch 1', () => kalle.core.keyRing.epochKey(ws, 1) !== undefined);

    // The client revokes: Kalle is out, and the fresh epoch key goes to everyone else.
    const revoked = await asta.core.membership.revokeConsent(ws, [kela]);
    expect(revoked.epoch).toBe(2);
    expect(revoked.members.map((m) => m.userId)).not.toContain(kalle.device.self.userId);
    const epoch2 = asta.core.keyRing.epochKey(ws, 2);
    await waitUntil('sari has epoch 2', () => sari.core.keyRing.epochKey(ws, 2) !== undefined);
    await waitUntil('helmi has epoch 2', () => helmi.core.keyRing.epochKey(ws, 2) !== undefined);
    expect(bytesEqual(sari.core.keyRing.epochKey(ws, 2) ?? new Uint8Array(), epoch2 ?? new Uint8Array(1))).toBe(true);
    await waitUntil('kalle told', () => kalle.problems.some((p) => p.code === 'revoked'));
    await kalle.core.refresh();
    expect(kalle.core.keyRing.epochKey(ws, 2)).toBeUndefined();
    expect(await kalle.device.rest.call('fetchMailbox', { query: { limit: 100 } })).toEqual({ items: [] });

    // Every verified view agrees; nobody saw anything to complain about but Kalle's removal.
    const head = sari.core.keyRing.chainState(ws)?.headHash;
    await helmi.core.sync.syncAll();
    expect(helmi.core.keyRing.chainState(ws)?.headHash).toBe(head);
    expect(asta.core.keyRing.chainState(ws)?.headHash).toBe(head);
    for (const agent of [sari, helmi, asta]) expect(agent.problems).toEqual([]);
    expect(kalle.problems.map((p) => p.code)).toEqual(['revoked']);

    // Safety numbers between Sari and the client are the same on both sides.
    const sariView = (await sari.core.membership.identities(ws)).find((i) => i.userId === asta.device.self.userId);
    const astaView = (await asta.core.membership.identities(ws)).find((i) => i.userId === sari.device.self.userId);
    expect(sariView?.safetyNumber).toMatch(/^\d{60}$/);
    expect(sariView?.safetyNumber).toBe(astaView?.safetyNumber);
    expect(sariView).toMatchObject({ kind: 'client', displayName: 'Asta Asiakas', devices: [1] });
    await sari.core.membership.setVerified(asta.device.self.userId, true);
    expect((await sari.core.membership.identities(ws)).find((i) => i.userId === asta.device.self.userId)?.verified).toBe(true);
  });

  it('a further device: approved after comparing digits it joins every workspace; forged and refused ones never are; revoked it leaves', async () => {
    const pia = await professional('Pia', 'hyvinvointialue', 'social_worker');
    const { workspaceId: ws } = await pia.core.membership.create('consultation', 'Pian konsultaatio');

    // The laptop enrols with a link code of Pia's first device and shows six digits.
    const link = await pia.core.devices.createLinkCode();
    const laptop = await startAgent('pia-laptop', link.code);
    expect(laptop.device.self).toEqual({ userId: pia.device.self.userId, deviceId: link.deviceId });
    const shown = laptop.core.devices.certification();
    expect(shown).toMatchObject({ state: 'pending', approvalCode: expect.stringMatching(/^\d{3} \d{3}$/) });
    await waitUntil('pia sees the laptop waiting', async () => (await pia.core.devices.list()).pending.some((p) => p.deviceId === link.deviceId));
    expect((await pia.core.devices.list()).pending.find((p) => p.deviceId === link.deviceId)?.approvalCode).toBe(shown.approvalCode);
    // Not certified yet: it is in no chain and holds no key.
    expect(laptop.core.keyRing.epochKey(ws, 1)).toBeUndefined();

    await pia.core.devices.approve(link.deviceId);
    await waitUntil('the laptop is certified', async () => {
      await laptop.core.refresh();
      return laptop.core.devices.certification().state === 'certified';
    });
    await waitUntil('the laptop holds the workspace key', () => laptop.core.keyRing.epochKey(ws, 1) !== undefined);
    expect(pia.core.keyRing.chainState(ws)?.members.get(pia.device.self.userId)?.devices.map((d) => d.deviceId)).toEqual([1, link.deviceId]);

    // A device that enrolled with a link code but without its secret (the server's own keys) is never offered, and Pia is told.
    const forgedLink = await pia.core.devices.createLinkCode();
    const parts = forgedLink.code.split('.');
    const wrongSecret = [parts[0], 'A'.repeat(22), parts[2], parts[3]].join('.');
    const forged = await startAgent('pia-forged', wrongSecret);
    await waitUntil('pia reports the forged enrolment', async () => {
      await pia.core.devices.list();
      return pia.problems.some((p) => p.code === 'enrolment_refused');
    });
    expect((await pia.core.devices.list()).pending.map((p) => p.deviceId)).not.toContain(forgedLink.deviceId);
    await expect(pia.core.devices.approve(forgedLink.deviceId)).rejects.toMatchObject({ code: 'unknown_device' });
    expect(forged.core.devices.certification().state).toBe('pending');

    // A device whose digits did not match is refused and not offered again.
    const tabletLink = await pia.core.devices.createLinkCode();
    await startAgent('pia-tablet', tabletLink.code);
    await waitUntil('the tablet waits', async () => (await pia.core.devices.list()).pending.some((p) => p.deviceId === tabletLink.deviceId));
    await pia.core.devices.reject(tabletLink.deviceId);
    expect((await pia.core.devices.list()).pending.map((p) => p.deviceId)).not.toContain(tabletLink.deviceId);
    await expect(pia.core.devices.approve(tabletLink.deviceId)).rejects.toMatchObject({ code: 'unknown_device' });

    // The laptop is lost: Pia revokes it; it is removed from the workspace and the key rotates.
    await expect(pia.core.devices.revoke(pia.device.self.deviceId)).rejects.toMatchObject({ code: 'cannot_revoke_self' });
    await pia.core.devices.revoke(link.deviceId);
    expect(pia.core.keyRing.chainState(ws)?.members.get(pia.device.self.userId)?.devices.map((d) => d.deviceId)).toEqual([1]);
    expect(pia.core.keyRing.currentEpoch(ws)?.epoch).toBe(2);
    await waitUntil('the laptop knows it was revoked', async () => {
      await laptop.core.refresh();
      return laptop.core.devices.certification().state === 'revoked';
    });
    expect(laptop.core.keyRing.epochKey(ws, 2)).toBeUndefined();
    expect((await pia.core.devices.list()).devices).toEqual([
      expect.objectContaining({ deviceId: 1, current: true, revoked: false }),
      expect.objectContaining({ deviceId: link.deviceId, current: false, revoked: true }),
    ]);
  });
});
