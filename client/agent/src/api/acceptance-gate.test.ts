/**
 * The local API while a workspace is only an invitation (issue 15): it is not listed among
 * the person's workspaces but under /api/invitations, every route about it answers 404 and
 * its y-websocket rooms are refused, until he accepts; then it is his like any other.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { webSocketProtocols } from '@yhteispoyta/local-api/auth';
import { FakeWorld, fakeSessionFactory } from './session-fakes.testkit';
import { callJson, startTestAgent } from './test-agent.testkit';
import type { TestAgent } from './test-agent.testkit';

const PASS = 'neljä sanaa ja numero 8';
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

async function enrol(agent: TestAgent, name: string, userId: string): Promise<void> {
  expect((await callJson(agent.api, 'POST', '/api/profiles', { name, passphrase: PASS })).status).toBe(201);
  const code = world.issueCode({ userId, orgId: 'county', role: 'social_worker', displayName: name });
  expect((await callJson(agent.api, 'POST', '/api/account/enrol', { code })).status).toBe(200);
}

/** The HTTP status a y-websocket upgrade to the plan room is answered with (101 when it opens). */
function roomStatus(agent: TestAgent, workspaceId: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${agent.api.port}/yjs/${workspaceId}/plan`, webSocketProtocols(agent.api.token));
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('error', () => undefined);
  });
}

describe('an invitation in the local API', () => {
  it('is listed apart and opens nothing until accepted', async () => {
    await enrol(anna, 'anna', 'u-anna');
    await enrol(sini, 'sini', 'u-sini');
    const created = await callJson(anna.api, 'POST', '/api/workspaces', { kind: 'consultation', label: 'Konsultaatio' });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
    expect((await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: 'u-sini' })).status).toBe(200);
    world.invitedOnly.add(`u-sini/${workspaceId}`);

    const listed = await callJson(sini.api, 'GET', '/api/workspaces');
    expect((listed.body as { workspaces: { workspaceId: string }[] }).workspaces).toEqual([]);
    expect(await callJson(sini.api, 'GET', '/api/invitations')).toMatchObject({ status: 200, body: { invitations: [{ workspaceId, label: 'Konsultaatio' }] } });
    for (const path of [`/api/workspaces/${workspaceId}/chat`, `/api/workspaces/${workspaceId}/members`, `/api/workspaces/${workspaceId}/documents/plan/hash`]) {
      expect(await callJson(sini.api, 'GET', path), path).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: expect.stringContaining('invitation') } } });
    }
    expect((await callJson(sini.api, 'POST', `/api/workspaces/${workspaceId}/chat`, { text: 'hei' })).status).toBe(404);
    expect(await roomStatus(sini, workspaceId)).toBe(404);
    // The owner is not affected.
    expect((await callJson(anna.api, 'GET', `/api/workspaces/${workspaceId}/chat`)).status).toBe(200);

    expect((await callJson(sini.api, 'POST', `/api/invitations/${workspaceId}/accept`, {})).status).toBe(200);
    expect((await callJson(sini.api, 'GET', '/api/invitations')).body).toEqual({ invitations: [] });
    const mine = await callJson(sini.api, 'GET', '/api/workspaces');
    expect((mine.body as { workspaces: { workspaceId: string }[] }).workspaces.map((w) => w.workspaceId)).toEqual([workspaceId]);
    expect((await callJson(sini.api, 'GET', `/api/workspaces/${workspaceId}/chat`)).status).toBe(200);
    expect(await roomStatus(sini, workspaceId)).toBe(101);
  });

  it('declining leaves the workspace', async () => {
    await enrol(anna, 'anna', 'u-anna');
    await enrol(sini, 'sini', 'u-sini');
    const created = await callJson(anna.api, 'POST', '/api/workspaces', { kind: 'consultation', label: 'Konsultaatio' });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
    await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: 'u-sini' });
    world.invitedOnly.add(`u-sini/${workspaceId}`);
    expect((await callJson(sini.api, 'POST', `/api/invitations/${workspaceId}/decline`, {})).status).toBe(200);
    const members = await callJson(anna.api, 'GET', `/api/workspaces/${workspaceId}/members`);
    expect((members.body as { members: { userId: string }[] }).members.map((m) => m.userId)).toEqual(['u-anna']);
  });
});
