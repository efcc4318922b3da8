/**
 * Two small routes the UI needs: `GET /api/presence` (who else has a workspace open,
 * from verified presence) and the `transferId` of an attachment download, which lets
 * the UI follow that download's progress on the `/events` stream.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWorld, fakeSessionFactory } from './session-fakes.testkit';
import { callJson, rawRequest, startTestAgent } from './test-agent.testkit';
import type { TestAgent } from './test-agent.testkit';
import { encodeAwarenessEntries } from './yjs-rooms';

const PASS = 'viisi sanaa ja numero 9';
let world: FakeWorld;
let anna: TestAgent;
let sini: TestAgent;

beforeEach(async () => {
  world = new FakeWorld();
  anna = await startTestAgent(fakeSessionFactory(world));
  sini = await startTestAgent(fakeSessionFactory(world));
});
afterEach(async () => {
  await anna.close();
  await sini.close();
});

async function enrol(agent: TestAgent, name: string, userId: string, orgId: string): Promise<void> {
  expect((await callJson(agent.api, 'POST', '/api/profiles', { name, passphrase: PASS })).status).toBe(201);
  const code = world.issueCode({ userId, orgId, role: 'social_worker', displayName: name });
  expect((await callJson(agent.api, 'POST', '/api/account/enrol', { code })).status).toBe(200);
}

describe('GET /api/presence', () => {
  it('is refused while no session runs', async () => {
    expect(await callJson(sini.api, 'GET', '/api/presence')).toMatchObject({ status: 409, body: { error: { code: 'not_ready' } } });
  });

  it('lists the devices whose presence arrived, and drops one that left', async () => {
    await enrol(anna, 'anna', 'u-anna', 'kela');
    await enrol(sini, 'sini', 'u-sini', 'hva');
    expect(await callJson(sini.api, 'GET', '/api/presence')).toEqual({ status: 200, body: { presence: [] } });
    const created = await callJson(anna.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Yhteinen' });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
    await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: 'u-sini' });

    const documents = anna.host.session()?.parts.documents;
    if (documents === undefined) throw new Error('anna has no session');
    const state = JSON.stringify({ user: { name: 'Anna' } });
    await documents.sendPresence(workspaceId, 'doc:plan', encodeAwarenessEntries([{ clientId: 11, clock: 1, state }]));
    expect(await callJson(sini.api, 'GET', '/api/presence')).toMatchObject({
      status: 200,
      body: { presence: [{ workspaceId, devices: [{ userId: 'u-anna', deviceId: 1 }] }] },
    });

    await documents.sendPresence(workspaceId, 'doc:plan', encodeAwarenessEntries([{ clientId: 11, clock: 2, state: 'null' }]));
    expect(await callJson(sini.api, 'GET', '/api/presence')).toEqual({ status: 200, body: { presence: [] } });
  });

  it('drops a removed member at once, though his last state is fresh, and ignores presence from outside the chain', async () => {
    await enrol(anna, 'anna', 'u-anna', 'kela');
    await enrol(sini, 'sini', 'u-sini', 'hva');
    const created = await callJson(anna.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Yhteinen' });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
    await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: 'u-sini' });
    const documents = sini.host.session()?.parts.documents;
    if (documents === undefined) throw new Error('sini has no session');
    await documents.sendPresence(workspaceId, 'doc:plan', encodeAwarenessEntries([{ clientId: 12, clock: 1, state: '{}' }]));
    await documents.sendPresence('ws-elsewhere', 'doc:plan', encodeAwarenessEntries([{ clientId: 13, clock: 1, state: '{}' }]));
    expect(await callJson(anna.api, 'GET', '/api/presence')).toMatchObject({ body: { presence: [{ workspaceId, devices: [{ userId: 'u-sini' }] }] } });

    expect((await callJson(anna.api, 'DELETE', `/api/workspaces/${workspaceId}/members/u-sini`)).status).toBe(200);
    expect(await callJson(anna.api, 'GET', '/api/presence')).toEqual({ status: 200, body: { presence: [] } });
  });

  it('starts empty again for the next profile', async () => {
    await enrol(anna, 'anna', 'u-anna', 'kela');
    await enrol(sini, 'sini', 'u-sini', 'hva');
    const documents = anna.host.session()?.parts.documents;
    if (documents === undefined) throw new Error('anna has no session');
    await documents.sendPresence('ws-1', 'doc:plan', encodeAwarenessEntries([{ clientId: 11, clock: 1, state: '{}' }]));
    expect((await callJson(sini.api, 'POST', '/api/profiles/lock')).status).toBe(200);
    expect((await callJson(sini.api, 'POST', '/api/profiles/unlock', { name: 'sini', passphrase: PASS })).status).toBe(200);
    expect(await callJson(sini.api, 'GET', '/api/presence')).toEqual({ status: 200, body: { presence: [] } });
  });
});

describe('attachment download with a transferId', () => {
  it('hands the transferId to the chat service and refuses a malformed one', async () => {
    await enrol(anna, 'anna', 'u-anna', 'kela');
    const created = await callJson(anna.api, 'POST', '/api/workspaces', { kind: 'consultation', label: 'Konsultaatio' });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
    const file = Buffer.from('lääkärinlausunto');
    const upload = await rawRequest(anna.api, `/api/workspaces/${workspaceId}/attachments?name=lausunto.txt&type=text/plain`, { method: 'POST', body: file });
    const { attachment } = upload.json() as { attachment: { blobId: string } };
    expect((await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/chat`, { text: 'Liite', attachments: [attachment] })).status).toBe(201);

    const chat = anna.host.session()?.parts.chat;
    if (chat === undefined) throw new Error('anna has no session');
    const download = vi.spyOn(chat, 'downloadAttachment');
    const res = await rawRequest(anna.api, `/api/workspaces/${workspaceId}/attachments/${attachment.blobId}?transferId=dl-42`);
    expect(res.status).toBe(200);
    expect(res.body.equals(file)).toBe(true);
    expect(download).toHaveBeenCalledWith(workspaceId, expect.objectContaining({ blobId: attachment.blobId }), 'dl-42');

    expect((await rawRequest(anna.api, `/api/workspaces/${workspaceId}/attachments/${attachment.blobId}?transferId=a/b`)).status).toBe(400);
    expect((await rawRequest(anna.api, `/api/workspaces/${workspaceId}/attachments/${attachment.blobId}?other=1`)).status).toBe(400);
  });
});
