import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FakeWorld, fakeSessionFactory } from './session-fakes.testkit';
import { callJson, rawRequest, startTestAgent } from './test-agent.testkit';
import type { TestAgent } from './test-agent.testkit';
import type { AgentEvent } from './event-hub';
import { webSocketProtocols } from '@yhteispoyta/local-api/auth';

const PASS = 'kolme sanaa ja numero 7';
let world: FakeWorld;
let agent: TestAgent;

beforeEach(async () => {
  world = new FakeWorld();
  agent = await startTestAgent(fakeSessionFactory(world));
});
afterEach(async () => {
  await agent.close();
});

/** Every file in the profiles dir with bytes and mtime: "nothing was touched" comparisons. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of readdirSync(dir).sort()) {
    const path = join(dir, file);
    out[file] = `${statSync(path).mtimeMs}:${readFileSync(path).toString('base64')}`;
  }
  return out;
}

async function enrolledAgent(name = 'anna', user = { userId: 'u-anna', orgId: 'kela', role: 'kela_expert' as const, displayName: 'Anna' }) {
  expect((await callJson(agent.api, 'POST', '/api/profiles', { name, passphrase: PASS })).status).toBe(201);
  const code = world.issueCode(user);
  const enrolled = await callJson(agent.api, 'POST', '/api/account/enrol', { code });
  expect(enrolled.status).toBe(200);
  return enrolled.body;
}

describe('profiles over the API', () => {
  it('creates, locks, refuses a wrong passphrase without touching anything, and unlocks', async () => {
    const created = await callJson(agent.api, 'POST', '/api/profiles', { name: 'anna', passphrase: PASS });
    expect(created).toMatchObject({ status: 201, body: { status: { state: 'unlocked', profile: 'anna' } } });
    expect(await callJson(agent.api, 'GET', '/api/profiles')).toMatchObject({ status: 200, body: { profiles: ['anna'] } });

    const again = await callJson(agent.api, 'POST', '/api/profiles', { name: 'bert', passphrase: PASS });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'already_unlocked' } } });

    expect(await callJson(agent.api, 'POST', '/api/profiles/lock')).toMatchObject({ status: 200, body: { status: { state: 'locked' } } });
    const before = filesOf(agent.dir);
    const wrong = await callJson(agent.api, 'POST', '/api/profiles/unlock', { name: 'anna', passphrase: 'väärä' });
    expect(wrong).toMatchObject({ status: 403, body: { error: { code: 'wrong_passphrase' } } });
    expect(filesOf(agent.dir)).toEqual(before);
    expect(agent.host.status().state).toBe('locked');

    const missing = await callJson(agent.api, 'POST', '/api/profiles/unlock', { name: 'nobody', passphrase: PASS });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'no_such_profile' } } });
    const badName = await callJson(agent.api, 'POST', '/api/profiles', { name: 'Anna/../Bad', passphrase: PASS });
    expect(badName).toMatchObject({ status: 400, body: { error: { code: 'invalid_name' } } });

    const unlocked = await callJson(agent.api, 'POST', '/api/profiles/unlock', { name: 'anna', passphrase: PASS });
    expect(unlocked).toMatchObject({ status: 200, body: { status: { state: 'unlocked', profile: 'anna' } } });
  });

  it('refuses a short or guessable passphrase with weak_passphrase (the UI\'s rule) and creates nothing', async () => {
    for (const passphrase of ['a', 'salasana12', 'qwertyuiop', 'aaaaaaaaaaaaaaaaaaaa', 'annaanna123']) {
      const refused = await callJson(agent.api, 'POST', '/api/profiles', { name: 'anna', passphrase });
      expect(refused, passphrase).toMatchObject({ status: 400, body: { error: { code: 'weak_passphrase' } } });
    }
    expect(readdirSync(agent.dir).filter((file) => file.startsWith('anna'))).toEqual([]);
    expect(await callJson(agent.api, 'GET', '/api/profiles')).toMatchObject({ status: 200, body: { profiles: [] } });
    expect(await callJson(agent.api, 'GET', '/api/status')).toMatchObject({ body: { status: { state: 'locked' } } });
    expect((await callJson(agent.api, 'POST', '/api/profiles', { name: 'anna', passphrase: PASS })).status).toBe(201);
  });

  it('enrols with a code: a bad code is refused, a good one starts the session', async () => {
    await callJson(agent.api, 'POST', '/api/profiles', { name: 'anna', passphrase: PASS });
    const malformed = await callJson(agent.api, 'POST', '/api/account/enrol', { code: 'not-a-real-code' });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    const unknown = `enr_${'A'.repeat(12)}.${'B'.repeat(22)}.${'C'.repeat(22)}`;
    const bad = await callJson(agent.api, 'POST', '/api/account/enrol', { code: unknown });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'enrolment_failed' } } });
    const code = world.issueCode({ userId: 'u-anna', orgId: 'kela', role: 'kela_expert', displayName: 'Anna' });
    const good = await callJson(agent.api, 'POST', '/api/account/enrol', { code });
    expect(good).toMatchObject({
      status: 200,
      body: {
        status: {
          state: 'ready',
          device: { userId: 'u-anna', deviceId: 1, orgId: 'kela', role: 'kela_expert', displayName: 'Anna', certification: { state: 'certified' } },
          link: 'online',
        },
      },
    });
    expect(await callJson(agent.api, 'POST', '/api/account/enrol', { code })).toMatchObject({ status: 409, body: { error: { code: 'already_enrolled' } } });

    // Locking flushes and closes the session; unlocking an enrolled profile starts it again.
    await callJson(agent.api, 'POST', '/api/profiles/lock');
    const firstSync = world.sessions[0]?.documents;
    expect(firstSync).toMatchObject({ flushed: 1, closed: true });
    const back = await callJson(agent.api, 'POST', '/api/profiles/unlock', { name: 'anna', passphrase: PASS });
    expect(back).toMatchObject({ status: 200, body: { status: { state: 'ready' } } });
    expect(world.sessions).toHaveLength(2);
  });
});

describe('workspaces, members, chat and attachments over the API', () => {
  it('creates a workspace, adds a member, invites a client, and refuses consent from a professional', async () => {
    await enrolledAgent();
    world.issueCode({ userId: 'u-sini', orgId: 'hva', role: 'social_worker', displayName: 'Sini' });
    const created = await callJson(agent.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Asiakas A' });
    expect(created).toMatchObject({ status: 201, body: { workspace: { kind: 'case', label: 'Asiakas A' } } });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
    expect(await callJson(agent.api, 'GET', '/api/workspaces')).toMatchObject({ body: { workspaces: [{ workspaceId }] } });

    const added = await callJson(agent.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: 'u-sini' });
    expect(added).toMatchObject({ status: 200, body: { workspace: { members: [{ userId: 'u-anna' }, { userId: 'u-sini', orgId: 'hva' }] } } });
    const members = await callJson(agent.api, 'GET', `/api/workspaces/${workspaceId}/members`);
    expect((members.body as { members: unknown[] }).members).toHaveLength(2);

    const invitation = await callJson(agent.api, 'POST', `/api/workspaces/${workspaceId}/invitations`, { displayName: 'Asiakas' });
    expect(invitation).toMatchObject({ status: 201, body: { invitation: { code: expect.any(String), userId: expect.any(String) } } });

    const consent = await callJson(agent.api, 'POST', `/api/workspaces/${workspaceId}/consent`, { orgIds: ['hva'], purpose: 'Yhteinen suunnitelma' });
    expect(consent).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });

    const removed = await callJson(agent.api, 'DELETE', `/api/workspaces/${workspaceId}/members/u-sini/devices/1`);
    expect(removed).toMatchObject({ status: 200, body: { workspace: { members: [{ userId: 'u-anna' }, { userId: 'u-sini', devices: [] }] } } });
    expect((await callJson(agent.api, 'DELETE', `/api/workspaces/${workspaceId}/members/u-sini/devices/999`)).status).toBe(400);
    expect((await callJson(agent.api, 'GET', '/api/workspaces/not%20an%20id/members')).status).toBe(400);
    expect((await callJson(agent.api, 'GET', '/api/workspaces/unknown/members')).status).toBe(404);

    const directory = await callJson(agent.api, 'GET', '/api/directory');
    expect(directory.body).toMatchObject({ orgs: expect.arrayContaining([{ orgId: 'hva', name: 'Org hva' }]) });
    // The directory is searched by name, never listed (issue 15): no fragment, no answer.
    expect(await callJson(agent.api, 'GET', '/api/directory/hva/users?q=sin')).toMatchObject({ body: { users: [{ userId: 'u-sini' }] } });
    expect(await callJson(agent.api, 'GET', '/api/directory/hva/users?q=nobody')).toMatchObject({ body: { users: [] } });
    expect((await callJson(agent.api, 'GET', '/api/directory/hva/users')).status).toBe(400);
    expect(await callJson(agent.api, 'POST', '/api/identities/verified', { userId: 'u-sini', verified: true })).toMatchObject({ status: 200 });
    expect(await callJson(agent.api, 'POST', '/api/identities/verified', { userId: 'u-sini', deviceId: 1, verified: true })).toMatchObject({ status: 400 });
    expect(await callJson(agent.api, 'POST', '/api/identities/accept', { userId: 'u-sini' })).toMatchObject({ status: 200 });

    // This person's devices: a link code, approving and revoking a device.
    expect(await callJson(agent.api, 'GET', '/api/devices')).toMatchObject({ status: 200, body: { devices: [{ deviceId: 1, current: true }], pending: [], canApprove: true } });
    expect(await callJson(agent.api, 'POST', '/api/devices/link-code', {})).toMatchObject({ status: 201, body: { link: { code: expect.stringMatching(/^lnk_/), deviceId: 2 } } });
    expect(await callJson(agent.api, 'POST', '/api/devices/2/approve', {})).toMatchObject({ status: 200, body: { canApprove: true } });
    expect(await callJson(agent.api, 'POST', '/api/devices/2/revoke', {})).toMatchObject({ status: 200 });
    expect(await callJson(agent.api, 'POST', '/api/devices/3/reject', {})).toMatchObject({ status: 200 });
    expect((await callJson(agent.api, 'POST', '/api/devices/0/approve', {})).status).toBe(400);
    expect((await callJson(agent.api, 'POST', '/api/devices/two/revoke', {})).status).toBe(400);
    expect((await callJson(agent.api, 'POST', '/api/devices/2/approve', { extra: 1 })).status).toBe(400);
  });

  it('sends, edits and deletes chat messages, round-trips an attachment, and pushes events', async () => {
    await enrolledAgent();
    const created = await callJson(agent.api, 'POST', '/api/workspaces', { kind: 'consultation', label: 'Konsultaatio' });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;

    const events: AgentEvent[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${agent.api.port}/events`, webSocketProtocols(agent.api.token));
    socket.on('message', (data: Buffer) => events.push(JSON.parse(data.toString('utf8')) as AgentEvent));
    await new Promise((resolve) => socket.once('open', resolve));

    const file = Buffer.from('vuokrasopimus 2024 — liite');
    const upload = await rawRequest(agent.api, `/api/workspaces/${workspaceId}/attachments?name=${encodeURIComponent('vuokra sopimus.pdf')}&type=application/pdf`, {
      method: 'POST',
      body: file,
      headers: { 'content-type': 'application/pdf' },
    });
    expect(upload.status).toBe(201);
    const { attachment } = upload.json() as { attachment: { blobId: string; size: number } };
    expect(attachment).toMatchObject({ name: 'vuokra sopimus.pdf', type: 'application/pdf', size: file.byteLength });

    const sent = await callJson(agent.api, 'POST', `/api/workspaces/${workspaceId}/chat`, { text: 'Liitteenä sopimus', attachments: [attachment] });
    expect(sent).toMatchObject({ status: 201, body: { message: { text: 'Liitteenä sopimus', verified: true } } });
    const messageId = (sent.body as { message: { id: string } }).message.id;
    expect((await callJson(agent.api, 'POST', `/api/workspaces/${workspaceId}/chat`, { text: '   ' })).status).toBe(400);

    expect((await callJson(agent.api, 'PUT', `/api/workspaces/${workspaceId}/chat/${messageId}`, { text: 'Korjattu' })).status).toBe(200);
    expect(await callJson(agent.api, 'GET', `/api/workspaces/${workspaceId}/chat`)).toMatchObject({ body: { messages: [{ id: messageId, text: 'Korjattu' }] } });

    const download = await rawRequest(agent.api, `/api/workspaces/${workspaceId}/attachments/${attachment.blobId}`);
    expect(download.status).toBe(200);
    expect(download.body.equals(file)).toBe(true);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-disposition']).toContain("filename*=UTF-8''vuokra%20sopimus.pdf");
    expect((await rawRequest(agent.api, `/api/workspaces/${workspaceId}/attachments/unknownblob`)).status).toBe(404);

    const tooBig = await rawRequest(agent.api, `/api/workspaces/${workspaceId}/attachments?name=big.bin`, { method: 'POST', body: new Uint8Array(1024 * 1024 + 1) });
    expect(tooBig.status).toBe(413);

    expect((await callJson(agent.api, 'DELETE', `/api/workspaces/${workspaceId}/chat/${messageId}`)).status).toBe(200);
    // A deleted message no longer lends its attachment to downloads.
    expect((await rawRequest(agent.api, `/api/workspaces/${workspaceId}/attachments/${attachment.blobId}`)).status).toBe(404);

    agent.host.problems.report({ code: 'replay', message: 'An update was replayed and ignored.', workspaceId, stream: 'doc:plan' });
    expect(await callJson(agent.api, 'GET', '/api/problems')).toMatchObject({ body: { problems: [{ code: 'replay', workspaceId }] } });
    await expect.poll(() => events.map((e) => e.type)).toEqual(expect.arrayContaining(['status', 'transfer', 'chat', 'problem']));
    socket.close();
  });
});
