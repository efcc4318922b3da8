/**
 * The whole agent against the real server on 127.0.0.1 port 0: two agents in this
 * process, each with its own profile, driven only through their local APIs. Agent A
 * creates a case workspace and adds B; a stock y-websocket `WebsocketProvider` edits the
 * plan through A and the edit arrives — end-to-end encrypted through the server — in
 * B's document and in a provider on B, and back; awareness and chat cross the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { startServer } from '@yhteispoyta/server/app';
import type { RunningServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { TEST_ADMIN_TOKEN, certifyTestLog, issueProfessionalCode } from '@yhteispoyta/server/http/certified.testkit';
import { createSessionFactory } from '../agent';
import { callJson, startTestAgent } from './test-agent.testkit';
import type { TestAgent } from './test-agent.testkit';
import { webSocketProtocols } from '@yhteispoyta/local-api/auth';

let dir: string;
let server: RunningServer;
let a: TestAgent;
let b: TestAgent;
let sini: string;
const providers: WebsocketProvider[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-e2e-api-'));
  server = await startServer({
    config: loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      SQLITE_PATH: join(dir, 'server.db'),
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      RATE_PER_IP_PER_MINUTE: '1000000',
      RATE_PER_DEVICE_PER_MINUTE: '1000000',
    }),
  });
  // As create-org leaves it: agents rely on no certificate whose log they cannot check.
  await certifyTestLog(server);
  const anna = await issueProfessionalCode(server, { orgId: 'kela', role: 'kela_expert', displayName: 'Anna Asiantuntija' });
  const siniCode = await issueProfessionalCode(server, { orgId: 'county', role: 'social_worker', displayName: 'Sini Sosiaalityöntekijä' });
  sini = siniCode.userId;

  a = await startTestAgent(createSessionFactory(), { serverUrl: server.url });
  b = await startTestAgent(createSessionFactory(), { serverUrl: server.url });
  for (const [agent, name, issued] of [[a, 'anna', anna], [b, 'sini', siniCode]] as const) {
    expect((await callJson(agent.api, 'POST', '/api/profiles', { name, passphrase: `${name} ja kolme kiveä rannalla` })).status).toBe(201);
    expect(await callJson(agent.api, 'POST', '/api/account/enrol', { code: issued.code })).toMatchObject({
      status: 200,
      body: { status: { state: 'ready', device: { certification: { state: 'pending' } } } },
    });
    // The organisation's admin tool certifies the enrolment; the agent learns it from the certificates.
    await issued.certify();
    await vi.waitFor(
      async () => {
        const { status } = (await callJson(agent.api, 'GET', '/api/status')).body as { status: { device?: { certification: { state: string } } } };
        if (status.device?.certification.state !== 'certified') throw new Error(`${name} not certified yet`);
      },
      { timeout: 10_000, interval: 50 },
    );
  }
});

afterAll(async () => {
  for (const p of providers.splice(0)) p.destroy();
  await a.close();
  await b.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function provider(agent: TestAgent, room: string): WebsocketProvider {
  const p = new WebsocketProvider(`ws://127.0.0.1:${agent.api.port}/yjs`, room, new Y.Doc(), {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    protocols: webSocketProtocols(agent.api.token),
    disableBc: true,
  });
  providers.push(p);
  return p;
}

function synced(p: WebsocketProvider): Promise<void> {
  return p.synced ? Promise.resolve() : new Promise((resolve) => p.once('sync', (s: boolean) => s && resolve()));
}

describe('two agents and a real server', () => {
  it('a plan edited through agent A with the stock WebsocketProvider arrives in agent B, and back', async () => {
    await expect.poll(async () => (await callJson(a.api, 'GET', '/api/status')).body).toMatchObject({ status: { link: 'online' } });
    const created = await callJson(a.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Asiakas, 24 v' });
    expect(created.status).toBe(201);
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
    const added = await callJson(a.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: sini });
    expect(added).toMatchObject({ status: 200, body: { workspace: { members: expect.arrayContaining([expect.objectContaining({ userId: sini })]) } } });

    // B verifies the chain itself and receives the epoch key through its mailbox.
    const sessionB = b.host.session();
    if (sessionB === undefined) throw new Error('agent B has no session');
    await expect.poll(() => sessionB.parts.keys.currentEpoch(workspaceId)?.epoch, { timeout: 20_000 }).toBe(1);
    // Sini was invited (issue 15): the case is hers once she accepts.
    expect((await callJson(b.api, 'GET', '/api/workspaces')).body).toEqual({ workspaces: [] });
    await expect.poll(async () => (await callJson(b.api, 'GET', '/api/invitations')).body, { timeout: 20_000 }).toMatchObject({ invitations: [{ workspaceId }] });
    expect((await callJson(b.api, 'POST', `/api/invitations/${workspaceId}/accept`, {})).status).toBe(200);
    expect((await callJson(b.api, 'GET', '/api/workspaces')).body).toMatchObject({ workspaces: [{ workspaceId, label: 'Asiakas, 24 v' }] });

    const pa = provider(a, `${workspaceId}/plan`);
    await synced(pa);
    pa.doc.getText('plan').insert(0, 'Tavoite: ammatillinen kuntoutus');
    const docB = await sessionB.parts.documents.open(workspaceId, 'doc:plan');
    await expect.poll(() => docB.getText('plan').toString(), { timeout: 20_000 }).toBe('Tavoite: ammatillinen kuntoutus');

    const pb = provider(b, `${workspaceId}/plan`);
    await synced(pb);
    expect(pb.doc.getText('plan').toString()).toBe('Tavoite: ammatillinen kuntoutus');
    pb.doc.getText('plan').insert(0, 'Sovittu: ');
    await expect.poll(() => pa.doc.getText('plan').toString(), { timeout: 20_000 }).toBe('Sovittu: Tavoite: ammatillinen kuntoutus');

    const sessionA = a.host.session();
    if (sessionA === undefined) throw new Error('agent A has no session');
    await expect
      .poll(async () => (await sessionA.parts.documents.stateHash(workspaceId, 'doc:plan')) === (await sessionB.parts.documents.stateHash(workspaceId, 'doc:plan')), { timeout: 20_000 })
      .toBe(true);

    // Awareness crosses as encrypted presence.
    pa.awareness.setLocalStateField('user', { name: 'Anna', color: '#1a7f37' });
    await expect.poll(() => pb.awareness.getStates().get(pa.awareness.clientID), { timeout: 20_000 }).toEqual({ user: { name: 'Anna', color: '#1a7f37' } });

    // Chat: sent through A's API, listed verified through B's.
    const sent = await callJson(a.api, 'POST', `/api/workspaces/${workspaceId}/chat`, { text: 'Tavataanko torstaina?' });
    expect(sent.status).toBe(201);
    await expect
      .poll(async () => (await callJson(b.api, 'GET', `/api/workspaces/${workspaceId}/chat`)).body, { timeout: 20_000 })
      .toMatchObject({ messages: [{ text: 'Tavataanko torstaina?', verified: true, deleted: false }] });

    expect(a.host.problems.list()).toEqual([]);
    expect(b.host.problems.list()).toEqual([]);
  }, 90_000);
});
