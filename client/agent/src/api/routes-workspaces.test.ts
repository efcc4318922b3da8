/**
 * The document hash route: `GET /api/workspaces/:workspaceId/documents/:docName/hash`
 * answers the session's DocumentSync.stateHash of `doc:<docName>`, follows edits, and
 * refuses malformed names, workspaces this device is not a member of, and a locked agent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeWorld, fakeSessionFactory } from './session-fakes.testkit';
import { callJson, startTestAgent } from './test-agent.testkit';
import { withLocalActivity } from './routes-workspaces';
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

async function enrol(agent: TestAgent, name: string, userId: string, orgId: string): Promise<void> {
  expect((await callJson(agent.api, 'POST', '/api/profiles', { name, passphrase: PASS })).status).toBe(201);
  const code = world.issueCode({ userId, orgId, role: 'social_worker', displayName: name });
  expect((await callJson(agent.api, 'POST', '/api/account/enrol', { code })).status).toBe(200);
}

function hashPath(workspaceId: string, docName: string): string {
  return `/api/workspaces/${encodeURIComponent(workspaceId)}/documents/${encodeURIComponent(docName)}/hash`;
}

async function hashOf(agent: TestAgent, workspaceId: string, docName = 'plan'): Promise<string> {
  const res = await callJson(agent.api, 'GET', hashPath(workspaceId, docName));
  expect(res.status).toBe(200);
  const { hash } = res.body as { hash: unknown };
  if (typeof hash !== 'string') throw new Error('no hash in the response');
  return hash;
}

describe('GET /api/workspaces/:workspaceId/documents/:docName/hash', () => {
  it("answers the DocumentSync's state hash, which follows edits and agrees across devices", async () => {
    await enrol(anna, 'anna', 'u-anna', 'kela');
    await enrol(sini, 'sini', 'u-sini', 'hva');
    const created = await callJson(anna.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Asiakas B' });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
    expect((await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: 'u-sini' })).status).toBe(200);

    const documents = anna.host.session()?.parts.documents;
    if (documents === undefined) throw new Error('anna has no session');
    const empty = await hashOf(anna, workspaceId);
    expect(empty).toBe(await documents.stateHash(workspaceId, 'doc:plan'));

    (await documents.open(workspaceId, 'doc:plan')).getText('plan').insert(0, 'Tavoite: työkyvyn tuki');
    const edited = await hashOf(anna, workspaceId);
    expect(edited).not.toBe(empty);
    expect(edited).toBe(await documents.stateHash(workspaceId, 'doc:plan'));
    // The fake relay delivers at once: the other device holds the same state.
    expect(await hashOf(sini, workspaceId)).toBe(edited);
    // Another document of the workspace has its own state.
    expect(await hashOf(anna, workspaceId, 'meeting-1')).toBe(empty);
  });

  it('refuses malformed names, foreign workspaces and a locked agent', async () => {
    expect(await callJson(anna.api, 'GET', hashPath('ws-1', 'plan'))).toMatchObject({ status: 409, body: { error: { code: 'not_ready' } } });
    await enrol(anna, 'anna', 'u-anna', 'kela');
    const created = await callJson(anna.api, 'POST', '/api/workspaces', { kind: 'consultation', label: 'Konsultaatio' });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;

    expect((await callJson(anna.api, 'GET', hashPath(workspaceId, 'plan.bak'))).status).toBe(400);
    expect((await callJson(anna.api, 'GET', hashPath(workspaceId, 'x'.repeat(65)))).status).toBe(400);
    expect((await callJson(anna.api, 'GET', hashPath('not an id', 'plan'))).status).toBe(400);
    expect(await callJson(anna.api, 'GET', hashPath('someone-elses', 'plan'))).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await callJson(anna.api, 'GET', hashPath(workspaceId, 'plan'))).status).toBe(200);
  });
});

describe('withLocalActivity', () => {
  it('counts a plan edit as activity when the server counted none (no "ei vielä toimintaa" for an edited case)', () => {
    expect(withLocalActivity({ workspaceId: 'w', lastActivityAt: 0 }, 1_700_000_000_000).lastActivityAt).toBe(1_700_000_000_000);
    expect(withLocalActivity({ workspaceId: 'w', lastActivityAt: 1_800_000_000_000 }, 1_700_000_000_000).lastActivityAt).toBe(1_800_000_000_000);
  });
});
