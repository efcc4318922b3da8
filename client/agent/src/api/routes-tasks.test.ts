/**
 * The tasks and timeline routes over the fake session: `GET /api/tasks` reads the synced
 * plan of every accepted workspace (an action owned by another member is not mine), and
 * `GET /api/workspaces/:id/timeline` answers the contract's shape, filters, and refuses
 * bad filters and foreign workspaces. The builders' rules are tested in tasks/ and timeline/.
 */
import * as Y from 'yjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

async function enrol(agent: TestAgent, name: string, userId: string, orgId: string): Promise<void> {
  expect((await callJson(agent.api, 'POST', '/api/profiles', { name, passphrase: PASS })).status).toBe(201);
  const code = world.issueCode({ userId, orgId, role: 'social_worker', displayName: name });
  expect((await callJson(agent.api, 'POST', '/api/account/enrol', { code })).status).toBe(200);
}

async function sharedCase(): Promise<string> {
  await enrol(anna, 'anna', 'u-anna', 'kela');
  await enrol(sini, 'sini', 'u-sini', 'hva');
  const created = await callJson(anna.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Asiakas B' });
  const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
  expect((await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: 'u-sini' })).status).toBe(200);
  return workspaceId;
}

function action(fields: Record<string, unknown>): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  for (const [key, value] of Object.entries({ owner: '', organisation: '', due: '', status: 'planned', createdAt: 1, ...fields })) {
    map.set(key, key === 'what' ? new Y.Text(String(value)) : value);
  }
  return map;
}

describe('GET /api/tasks', () => {
  it("lists the actions a synced plan gives me by userId, and not another member's", async () => {
    const workspaceId = await sharedCase();
    const plan = await anna.host.session()?.parts.documents.open(workspaceId, 'doc:plan');
    plan?.getArray('actions').push([
      action({ id: 'a1', what: 'Varaa aika', ownerUserId: 'u-sini', due: '2020-01-01' }),
      action({ id: 'a2', what: 'Annan oma', ownerUserId: 'u-anna' }),
      action({ id: 'a3', what: 'Vapaa teksti', owner: 'sini' }),
    ]);
    const res = await callJson(sini.api, 'GET', '/api/tasks');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tasks: [{ kind: 'action', workspaceId, workspaceLabel: 'Asiakas B', id: 'a1', title: 'Varaa aika', due: '2020-01-01', status: 'planned', overdue: true }],
    });
    expect((await callJson(anna.api, 'GET', '/api/tasks')).body).toMatchObject({ tasks: [{ id: 'a2', overdue: false }] });
  });

  it('answers not_ready while locked', async () => {
    expect(await callJson(anna.api, 'GET', '/api/tasks')).toMatchObject({ status: 409, body: { error: { code: 'not_ready' } } });
  });
});

describe('GET /api/workspaces/:workspaceId/timeline', () => {
  it('merges the chain history with names, and filters by group and organisation', async () => {
    const workspaceId = await sharedCase();
    const all = await callJson(sini.api, 'GET', `/api/workspaces/${workspaceId}/timeline`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({
      openedAt: 0,
      entries: [
        { kind: 'case_opened', group: 'membership', by: { userId: 'u-anna', orgId: 'kela', displayName: 'anna' }, sinceOpened: { months: 0, days: 0 }, phase: { sincePrevious: { months: 0, days: 0 } } },
        { kind: 'member_added', by: { userId: 'u-anna' }, subject: { userId: 'u-sini', orgId: 'hva' }, title: 'sini' },
      ],
      orgs: [{ orgId: 'kela' }],
    });
    const consent = await callJson(sini.api, 'GET', `/api/workspaces/${workspaceId}/timeline?group=consent`);
    expect((consent.body as { entries: unknown[] }).entries).toEqual([]);
    const hva = await callJson(sini.api, 'GET', `/api/workspaces/${workspaceId}/timeline?org=hva`);
    expect((hva.body as { entries: unknown[] }).entries).toEqual([]);
  });

  it('refuses an unknown filter and a workspace this device does not hold', async () => {
    const workspaceId = await sharedCase();
    expect((await callJson(sini.api, 'GET', `/api/workspaces/${workspaceId}/timeline?group=gossip`)).status).toBe(400);
    expect(await callJson(sini.api, 'GET', '/api/workspaces/someone-elses/timeline')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});
