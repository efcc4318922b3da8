/**
 * The server operator attacks identities (docs/design.md §3), acting through its own store
 * and services — the relay in front of the agents and direct writes to the server's store
 * that bypass every server check:
 *
 *  (a) rogue_device: it adds a device of its own to a person's account;
 *  (b) relabel_org: it lists a professional of another organisation in the consented one;
 *  (c) substitute_professional: it swaps its own keys into a new professional's enrolment;
 *  (d) substitute_client: it swaps its own keys into an invited client's enrolment;
 *  (e) revoked_device: a person leaves his organisation, a person revokes his own device;
 *  (f) a properly approved second device gets the keys and reads what is written after.
 *
 * Each attack is detected (a typed problem or a typed refusal), nothing of the attacker's
 * gets a key or is accepted, and the workspace keeps working once the operator stops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '@yhteispoyta/agent/api/test-agent.testkit';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { PrivateKey } from '@signalapp/libsignal-client';
import { AttackerDevice } from './attacker-device';
import { FaultMatrix, formatMatrix } from './fault-matrix';
import { CAST, HostileWorld, sleep, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';
import { runTrial } from './trial.testkit';

const matrix = new FaultMatrix('identity-attacks');
let world: HostileWorld;
let sini: WorldAgent;
let anna: WorldAgent;
let tero: WorldAgent;

beforeAll(async () => {
  world = await HostileWorld.start({
    agents: [CAST.sini, CAST.anna, CAST.tero],
  });
  sini = world.agent('sini');
  anna = world.agent('anna');
  tero = world.agent('tero');
}, 180_000);

afterAll(async () => {
  const rows = matrix.write();
  process.stdout.write(`\nfault matrix (all parts so far)\n${formatMatrix(rows)}\n`);
  await world?.close();
});

interface MemberRow {
  readonly userId: string;
  readonly orgId: string;
  readonly devices: readonly { deviceId: number }[];
}

async function memberRows(agent: WorldAgent, workspaceId: string): Promise<MemberRow[]> {
  await agent.acceptInvitations();
  const res = await callJson(agent.api, 'GET', `/api/workspaces/${workspaceId}/members`);
  return res.status === 200 ? (res.body as { members: MemberRow[] }).members : [];
}

async function devicesOf(agent: WorldAgent, workspaceId: string, userId: string): Promise<number[]> {
  return (await memberRows(agent, workspaceId)).find((m) => m.userId === userId)?.devices.map((d) => d.deviceId) ?? [];
}

async function create(owner: WorldAgent, kind: 'case' | 'consultation', label: string): Promise<string> {
  const res = await callJson(owner.api, 'POST', '/api/workspaces', { kind, label });
  if (res.status !== 201) throw new Error(`create: ${JSON.stringify(res.body)}`);
  return (res.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
}

async function add(owner: WorldAgent, workspaceId: string, userId: string): Promise<{ status: number; body: unknown }> {
  return callJson(owner.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId });
}

/** Invite a client into a case through `owner`'s agent: the code and the client's user id. */
async function invite(owner: WorldAgent, workspaceId: string, name: string): Promise<{ code: string; userId: string }> {
  const res = await callJson(owner.api, 'POST', `/api/workspaces/${workspaceId}/invitations`, { displayName: name });
  if (res.status !== 201) throw new Error(`invite: ${JSON.stringify(res.body)}`);
  return (res.body as { invitation: { code: string; userId: string } }).invitation;
}

describe('identities the server cannot forge', () => {
  it('(a) rogue_device: a device the operator adds to a person\'s account is never named, never keyed, and its messages are refused', () =>
    runTrial(matrix, world.relay, 'rogue_device', async (t) => {
      const store = world.server.ctx.store;
      const rogueRef = { userId: sini.userId, deviceId: 2 };
      const rogue = await AttackerDevice.rogue(world.server.url, rogueRef);
      // The operator registers the device in its own store, with a "device certificate" it signed itself.
      expect((await store.directory.registerDevice(sini.userId, { ...rogue.upload, deviceId: 2 }, Date.now())).ok).toBe(true);
      const forged = signCertificate({ t: 'device', v: 1, userId: sini.userId, deviceId: 2, identityKey: rogue.upload.identityKey, created: Date.now() }, PrivateKey.generate());
      await store.certificates.putCertificate(forged, Date.now());
      t.injected += 1;

      const mark = await anna.mark();
      const ws = await create(sini, 'consultation', 'Konsultaatio A');
      expect((await add(sini, ws, anna.userId)).status).toBe(200);
      await until('anna holds the key', () => anna.epoch(ws) !== undefined);
      // Neither the owner's agent (its own devices) nor anyone else names the rogue device.
      expect(await devicesOf(sini, ws, sini.userId)).toEqual([1]);
      expect(await devicesOf(anna, ws, sini.userId)).toEqual([1]);
      // No key was ever wrapped for it.
      expect(await rogue.mailbox()).toEqual([]);

      // The operator slips a key for the workspace from the rogue device into anna's mailbox: held as uncertified, never accepted.
      const held = anna.session().keys.epochKey(ws, 1);
      const item = await rogue.epochKeyItem(anna.ref, { workspaceId: ws, epoch: 1, key: randomBytes(32) }, (ref) => store.directory.claimBundle(ref));
      await store.mailbox.enqueueMailbox([{ from: rogueRef, to: anna.ref, message: item.message, createdAt: Date.now() }]);
      world.server.ctx.hub.emit('mailbox', { to: anna.ref, pending: 1 });
      const problem = await anna.awaitProblem(mark, ['uncertified']);
      t.detected = problem?.device?.userId === sini.userId && problem.device.deviceId === 2;
      t.note('uncertified at the receiver (sini.2 has no certificate signed by sini\'s user key); never named by any chain');
      expect(t.detected).toBe(true);
      expect(anna.session().keys.epochKey(ws, 1)).toEqual(held);

      await anna.write(ws, 'Suunnitelma jatkuu.');
      await sini.plan(ws);
      await world.converged(ws, ['anna', 'sini']);
      t.recovered = true;
    }), 120_000);

  it('(b) relabel_org: a professional listed under the consented organisation is still refused by the consent scope', () =>
    runTrial(matrix, world.relay, 'relabel_org', async (t) => {
      const ws = await create(sini, 'case', 'Asiakas B');
      // Anna (Kela) co-owns the case from before the client joins: the client's consent to Kela
      // alone then removes sini (county) with it, and the case stays owned (issue 13).
      expect((await callJson(sini.api, 'POST', `/api/workspaces/${ws}/members`, { userId: anna.userId, owner: true })).status).toBe(200);
      await until('anna holds the case key', () => anna.epoch(ws) !== undefined);
      const bea = await invite(sini, ws, 'Bea Asiakas');
      const client = await world.enrolAgent('bea', bea.userId, bea.code);
      await until('bea is certified by sini\'s agent and holds the key', async () => (await client.certification()).state === 'certified' && client.epoch(ws) !== undefined, 60_000);
      const kela = world.orgs.kela.orgId;
      const granted = await callJson(client.api, 'POST', `/api/workspaces/${ws}/consent`, { orgIds: [kela], purpose: 'Kelan etuudet' });
      expect(granted.status).toBe(200);
      await until('anna sees the consent', async () => (await memberRows(anna, ws)).length === 2);

      // The operator's directory lists tero (health services of the county) among Kela's staff.
      const fault = world.relay.arm({ type: 'relabel_directory', victim: 'anna', orgId: kela, user: { userId: tero.userId, displayName: 'Tero (Kela)', role: 'kela_expert' } });
      const listed = await callJson(anna.api, 'GET', `/api/directory/${kela}/users?q=tero`);
      expect(listed.status).toBe(200);
      t.count(fault);
      // The agent shows a search result only as certificates say (issue 15): tero's names the
      // county, so Kela's list leaves him out.
      expect((listed.body as { users: { userId: string }[] }).users.map((u) => u.userId)).not.toContain(tero.userId);
      // The owner adds him by id all the same: his certificate names the county, outside the consent.
      const refused = await add(anna, ws, tero.userId);
      t.detected = refused.status === 403 && (refused.body as { error: { code: string } }).error.code === 'consent_scope';
      t.note('consent_scope at the owner (the organisation comes from the organisation-signed certificate, not the directory)');
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'consent_scope' } } });
      await sleep(500);
      expect((await memberRows(client, ws)).map((m) => m.userId)).not.toContain(tero.userId);
      expect(tero.session().keys.chainState(ws)).toBeUndefined();

      world.relay.honest();
      await until('anna holds the key after the consent removed sini', () => (anna.epoch(ws) ?? 0) >= 2);
      await anna.write(ws, 'Kelan osuus jatkuu.');
      t.recovered = true;
      await world.stopAgent('bea');
    }), 150_000);

  it('(c) substitute_professional: the operator\'s keys in a new professional\'s enrolment are refused by his organisation', () =>
    runTrial(matrix, world.relay, 'substitute_professional', async (t) => {
      const issued = await world.orgs.kela.issueCode({ role: 'kela_expert', displayName: 'Olli Uusi' });
      await world.relay.door('olli');
      const fault = world.relay.arm({ type: 'substitute_enrolment', victim: 'olli', substitute: AttackerDevice.substituteEnrolment });
      await world.enrolAgent('olli', issued.userId, issued.code);
      t.count(fault);
      const report = await world.orgs.kela.certifyPending();
      const refusal = report.refused.find((r) => r.codeId === issued.codeId);
      // Nobody can add him: no certificate exists for the keys the server holds.
      const ws = await create(sini, 'consultation', 'Konsultaatio C');
      const added = await add(sini, ws, issued.userId);
      t.detected = refusal !== undefined && added.status === 409;
      t.note('refused by the organisation\'s admin tool (the proof of the code secret does not match the keys); the owner gets uncertified');
      expect(refusal?.reason).toBe('bad_proof');
      expect(added).toMatchObject({ status: 409, body: { error: { code: 'uncertified' } } });
      expect(report.certified.filter((c) => c.codeId === issued.codeId)).toEqual([]);
      await world.stopAgent('olli');

      // With the operator honest again, a new code enrols and certifies him.
      world.relay.honest();
      const again = await world.orgs.kela.issueCode({ role: 'kela_expert', displayName: 'Olli Uusi' });
      const olli = await world.enrolAgent('olli2', again.userId, again.code);
      await world.orgs.kela.certifyPending();
      await until('olli certified', async () => (await olli.certification()).state === 'certified', 30_000);
      expect((await add(sini, ws, again.userId)).status).toBe(200);
      await until('olli holds the key', () => olli.epoch(ws) !== undefined, 30_000);
      t.recovered = true;
      await world.stopAgent('olli2');
    }), 150_000);

  it('(d) substitute_client: the operator\'s keys in an invited client\'s enrolment are refused by the inviter\'s agent', () =>
    runTrial(matrix, world.relay, 'substitute_client', async (t) => {
      const ws = await create(sini, 'case', 'Asiakas D');
      expect((await add(sini, ws, tero.userId)).status).toBe(200);
      await until('tero holds the key', () => tero.epoch(ws) !== undefined);
      const invitation = await invite(sini, ws, 'Daniel Asiakas');
      const mark = await sini.mark();
      await world.relay.door('daniel');
      const fault = world.relay.arm({ type: 'substitute_enrolment', victim: 'daniel', substitute: AttackerDevice.substituteEnrolment });
      await world.enrolAgent('daniel', invitation.userId, invitation.code);
      t.count(fault);
      const problem = await sini.awaitProblem(mark, ['enrolment_refused'], 30_000);
      t.detected = problem?.workspaceId === ws;
      t.note('enrolment_refused at the inviter (the keys do not carry the proof of the invitation secret)');
      expect(t.detected).toBe(true);
      await sleep(500);
      // The substituted device was not certified and never entered the chain.
      expect(await devicesOf(sini, ws, invitation.userId)).toEqual([]);
      expect(await devicesOf(tero, ws, invitation.userId)).toEqual([]);
      await world.stopAgent('daniel');

      world.relay.honest();
      const again = await invite(sini, ws, 'Daniel Asiakas');
      const daniel = await world.enrolAgent('daniel2', again.userId, again.code);
      await until('daniel holds the key', () => daniel.epoch(ws) !== undefined, 60_000);
      expect(await devicesOf(tero, ws, again.userId)).toEqual([1]);
      t.recovered = true;
      await world.stopAgent('daniel2');
    }), 150_000);

  it('(f) an approved second device of a person gets the keys and reads what is written after its approval', async () => {
    const ws = await create(sini, 'consultation', 'Konsultaatio F');
    expect((await add(sini, ws, anna.userId)).status).toBe(200);
    await until('anna holds the key', () => anna.epoch(ws) !== undefined);
    const laptop = await world.addDevice('sini-laptop', 'sini');
    await until('the laptop joins the workspace with its key', () => laptop.epoch(ws) !== undefined, 60_000);
    const laptopId = laptop.ref.deviceId;
    expect(await devicesOf(anna, ws, sini.userId)).toEqual([1, laptopId]);
    await anna.acceptInvitations();
    const notices = (await callJson(anna.api, 'GET', '/api/workspaces')).body as { workspaces: { workspaceId: string; notices: { kind: string; userId: string; deviceId: number }[] }[] };
    expect(notices.workspaces.find((w) => w.workspaceId === ws)?.notices).toEqual([expect.objectContaining({ kind: 'device_added', userId: sini.userId, deviceId: laptopId })]);
    await anna.say(ws, 'Tervetuloa myös läppärille');
    await until('the laptop reads the message', async () => (await laptop.chat(ws)).some((m) => m.text === 'Tervetuloa myös läppärille'), 30_000);
  }, 150_000);

  it('(e) revoked_device: a person his organisation revoked, and a device its person revoked, lose access at the next sync', () =>
    runTrial(matrix, world.relay, 'revoked_device', async (t) => {
      const ws = await create(sini, 'consultation', 'Konsultaatio E');
      for (const member of [anna, tero]) expect((await add(sini, ws, member.userId)).status).toBe(200);
      await until('everyone holds epoch 1', () => anna.epoch(ws) === 1 && tero.epoch(ws) === 1);
      const mark = await tero.mark();

      // Tero leaves the county: his organisation revokes his certificate.
      await world.orgs.county.revokeUser(tero.userId);
      t.injected += 1;
      await until('sini removes tero and rotates', async () => !(await memberRows(sini, ws)).some((m) => m.userId === tero.userId) && sini.epoch(ws) === 2, 30_000);
      await until('anna no longer trusts tero', () => anna.session().keys.identityOf(tero.ref) === undefined, 30_000);
      await until('anna holds epoch 2', () => anna.epoch(ws) === 2, 30_000);
      expect(tero.epoch(ws)).not.toBe(2);
      const told = await tero.awaitProblem(mark, ['revoked'], 30_000);
      t.detected = told !== undefined;
      t.note('removed by the owner at the next certificate refresh; every agent stops trusting the device at once');
      expect(t.detected).toBe(true);

      // A person revokes his own lost device: it is removed everywhere and gets no further key.
      const laptop = world.agent('sini-laptop');
      await until('the laptop is in the workspace', () => laptop.epoch(ws) !== undefined, 30_000);
      const revoked = await callJson(sini.api, 'POST', `/api/devices/${laptop.ref.deviceId}/revoke`, {});
      expect(revoked.status).toBe(200);
      await until('the laptop is out and the key rotated', async () => (await devicesOf(anna, ws, sini.userId)).join() === '1' && anna.epoch(ws) === 3, 30_000);
      expect(laptop.epoch(ws)).toBeLessThan(3);
      await anna.write(ws, 'Jatketaan.');
      await world.converged(ws, ['anna', 'sini']);
      t.recovered = true;
    }), 150_000);
});
