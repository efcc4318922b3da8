import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import { FakeWorld, fakeSessionFactory } from './session-fakes.testkit';
import type { FakeDocumentSync } from './session-fakes.testkit';
import { callJson, startTestAgent } from './test-agent.testkit';
import type { TestAgent } from './test-agent.testkit';
import { decodeAwarenessUpdate, encodeAwarenessEntries } from '../sync/awareness-entries';
import { webSocketProtocols } from '@yhteispoyta/local-api/auth';

const PASS = 'salasana salasana';
let world: FakeWorld;
let a: TestAgent;
let b: TestAgent;
let workspaceId: string;
const providers: WebsocketProvider[] = [];

async function enrol(agent: TestAgent, name: string, userId: string, orgId: string): Promise<void> {
  await callJson(agent.api, 'POST', '/api/profiles', { name, passphrase: PASS });
  const code = world.issueCode({ userId, orgId, role: 'social_worker', displayName: name });
  expect((await callJson(agent.api, 'POST', '/api/account/enrol', { code })).status).toBe(200);
}

function provider(agent: TestAgent, room: string, doc = new Y.Doc()): WebsocketProvider {
  const p = new WebsocketProvider(`ws://127.0.0.1:${agent.api.port}/yjs`, room, doc, {
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

function syncOf(userId: string): FakeDocumentSync {
  const parts = world.sessions.find((s) => s.device.self.userId === userId);
  if (parts === undefined) throw new Error(`no session of ${userId}`);
  return parts.documents as FakeDocumentSync;
}

beforeEach(async () => {
  world = new FakeWorld();
  a = await startTestAgent(fakeSessionFactory(world));
  b = await startTestAgent(fakeSessionFactory(world));
  await enrol(a, 'anna', 'u-anna', 'kela');
  await enrol(b, 'sini', 'u-sini', 'hva');
  const created = await callJson(a.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Yhteinen suunnitelma' });
  workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
  await callJson(a.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: 'u-sini' });
});
afterEach(async () => {
  for (const p of providers.splice(0)) p.destroy();
  await a.close();
  await b.close();
});

describe('y-websocket endpoint', () => {
  it('bridges the stock WebsocketProvider to the DocumentSync doc in both directions', async () => {
    const pa = provider(a, `${workspaceId}/plan`);
    await synced(pa);
    pa.doc.getText('plan').insert(0, 'Tavoite: kuntoutus');
    // The edit reached agent A's DocumentSync doc as a local edit and was relayed to agent B.
    const docA = await syncOf('u-anna').open(workspaceId, 'doc:plan');
    await expect.poll(() => docA.getText('plan').toString()).toBe('Tavoite: kuntoutus');
    const docB = await syncOf('u-sini').open(workspaceId, 'doc:plan');
    expect(docB.getText('plan').toString()).toBe('Tavoite: kuntoutus');

    // A browser on agent B starts from B's document and its edits flow back to A's browser.
    const pb = provider(b, `${workspaceId}/plan`);
    await synced(pb);
    expect(pb.doc.getText('plan').toString()).toBe('Tavoite: kuntoutus');
    pb.doc.getText('plan').insert(0, '1. ');
    await expect.poll(() => pa.doc.getText('plan').toString()).toBe('1. Tavoite: kuntoutus');

    // Another document of the same workspace is another stream.
    const notes = provider(a, `${workspaceId}/meeting-1`);
    await synced(notes);
    notes.doc.getText('notes').insert(0, 'muistio');
    const docNotes = await syncOf('u-sini').open(workspaceId, 'doc:meeting-1');
    await expect.poll(() => docNotes.getText('notes').toString()).toBe('muistio');
    expect(docB.getText('notes').toString()).toBe('');
  });

  it('sends browser awareness as presence, shows other devices under their client ids, and removes them on leave', async () => {
    const pa = provider(a, `${workspaceId}/plan`);
    const pb = provider(b, `${workspaceId}/plan`);
    await Promise.all([synced(pa), synced(pb)]);
    pa.awareness.setLocalStateField('user', { name: 'Anna', color: '#c00' });
    await expect.poll(() => pb.awareness.getStates().get(pa.awareness.clientID)).toEqual({ user: { name: 'Anna', color: '#c00' } });
    expect(syncOf('u-anna').sentPresence.length).toBeGreaterThan(0);
    expect(syncOf('u-anna').sentPresence.every((p) => p.stream === 'doc:plan' && p.workspaceId === workspaceId)).toBe(true);

    pa.destroy();
    await expect.poll(() => pb.awareness.getStates().has(pa.awareness.clientID)).toBe(false);
  });

  it('never lets another device overwrite a local client state, and reports unreadable presence', async () => {
    const pa = provider(a, `${workspaceId}/plan`);
    await synced(pa);
    pa.awareness.setLocalStateField('user', { name: 'Anna' });
    await expect.poll(() => syncOf('u-anna').sentPresence.length).toBeGreaterThan(0);

    const forged = encodeAwarenessEntries([{ clientId: pa.awareness.clientID, clock: 1_000, state: JSON.stringify({ user: { name: 'Mallory' } }) }]);
    syncOf('u-anna').receivePresence(workspaceId, 'doc:plan', { userId: 'u-sini', deviceId: 1 }, forged);
    // A legitimate remote client in the same update batch still shows.
    const other = encodeAwarenessEntries([{ clientId: 424242, clock: 1, state: JSON.stringify({ user: { name: 'Sini' } }) }]);
    syncOf('u-anna').receivePresence(workspaceId, 'doc:plan', { userId: 'u-sini', deviceId: 1 }, other);
    await expect.poll(() => pa.awareness.getStates().get(424242)).toEqual({ user: { name: 'Sini' } });
    expect(pa.awareness.getLocalState()).toEqual({ user: { name: 'Anna' } });

    // Client 424242 belongs to u-sini's device now; another device may not speak for it.
    const hijack = encodeAwarenessEntries([{ clientId: 424242, clock: 5, state: JSON.stringify({ user: { name: 'Eve' } }) }]);
    syncOf('u-anna').receivePresence(workspaceId, 'doc:plan', { userId: 'u-eve', deviceId: 1 }, hijack);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pa.awareness.getStates().get(424242)).toEqual({ user: { name: 'Sini' } });

    syncOf('u-anna').receivePresence(workspaceId, 'doc:plan', { userId: 'u-sini', deviceId: 1 }, Uint8Array.of(5, 1));
    await expect.poll(() => a.host.problems.list()).toEqual([expect.objectContaining({ code: 'malformed', workspaceId, stream: 'doc:plan', device: { userId: 'u-sini', deviceId: 1 } })]);
  });

  it('drops a state in which a device speaks for another person (his name, "typing…")', async () => {
    const pa = provider(a, `${workspaceId}/plan`);
    await synced(pa);
    const sini = { userId: 'u-sini', deviceId: 1 };
    const posing = encodeAwarenessEntries([{ clientId: 515151, clock: 1, state: JSON.stringify({ user: { name: 'Anna', userId: 'u-anna' }, typing: true }) }]);
    syncOf('u-anna').receivePresence(workspaceId, 'doc:plan', sini, posing);
    const honest = encodeAwarenessEntries([{ clientId: 616161, clock: 1, state: JSON.stringify({ user: { name: 'Sini', userId: 'u-sini' }, typing: true }) }]);
    syncOf('u-anna').receivePresence(workspaceId, 'doc:plan', sini, honest);
    await expect.poll(() => pa.awareness.getStates().get(616161)).toEqual({ user: { name: 'Sini', userId: 'u-sini' }, typing: true });
    expect(pa.awareness.getStates().has(515151)).toBe(false);
  });

  it('refuses documents of workspaces this device is not in, and closes rooms when the profile locks', async () => {
    const upgrade = (room: string): Promise<number> =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${a.api.port}/yjs/${room}`, webSocketProtocols(a.api.token));
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
        socket.on('error', () => undefined);
      });
    expect(await upgrade('not-my-workspace/plan')).toBe(404);

    const pa = provider(a, `${workspaceId}/plan`);
    await synced(pa);
    const closed = new Promise<void>((resolve) => pa.once('connection-close', () => resolve()));
    await callJson(a.api, 'POST', '/api/profiles/lock');
    await closed;
    // The locked profile's documents are served to nobody.
    pa.disconnect();
    expect(await upgrade(`${workspaceId}/plan`)).toBe(409);
  });

  it('serves the DocumentSync doc itself: one Y.Doc per document, the browser edit applied to it with a browser origin', async () => {
    const docA = await syncOf('u-anna').open(workspaceId, 'doc:plan');
    const origins: unknown[] = [];
    docA.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
    const pa = provider(a, `${workspaceId}/plan`);
    await synced(pa);
    pa.doc.getText('plan').insert(0, 'suoraan');
    await expect.poll(() => docA.getText('plan').toString()).toBe('suoraan');
    expect(origins).toEqual([{ source: 'browser' }]);
    // An update made to the document elsewhere reaches the browser without a copy in between.
    docA.transact(() => docA.getText('plan').insert(0, '> '), 'remote');
    await expect.poll(() => pa.doc.getText('plan').toString()).toBe('> suoraan');
  });

  it('decodes and re-encodes awareness updates exactly', () => {
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState({ cursor: { anchor: 3 }, name: 'Äiti' });
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]);
    const entries = decodeAwarenessUpdate(update);
    expect(entries).toEqual([{ clientId: doc.clientID, clock: 1, state: JSON.stringify({ cursor: { anchor: 3 }, name: 'Äiti' }) }]);
    expect(encodeAwarenessEntries(entries ?? [])).toEqual(update);
    expect(decodeAwarenessUpdate(Uint8Array.of(1, 2))).toBeUndefined();
    expect(decodeAwarenessUpdate(Uint8Array.of(...update, 0))).toBeUndefined();
    awareness.destroy();
  });
});
