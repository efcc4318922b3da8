/**
 * The files and export routes through the local API: an export is served as an attachment
 * with its file name, recorded through the session's `recordExport` hook with exactly the
 * workspace, what and format; bad input is a 400 and an unknown record a 404 with a stable
 * code, and neither is recorded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeWorld, fakeSessionFactory } from './session-fakes.testkit';
import { callJson, rawRequest, startTestAgent } from './test-agent.testkit';
import type { TestAgent } from './test-agent.testkit';

let world: FakeWorld;
let anna: TestAgent;

beforeEach(async () => {
  world = new FakeWorld();
  anna = await startTestAgent(fakeSessionFactory(world));
});
afterEach(async () => {
  await anna.close();
});

describe('files and export routes', () => {
  it('serves a plan export as an attachment, records it, and refuses bad input and unknown records with stable codes', async () => {
    expect((await callJson(anna.api, 'POST', '/api/profiles', { name: 'anna', passphrase: 'neljä sanaa ja numero 8' })).status).toBe(201);
    const code = world.issueCode({ userId: 'u-anna', orgId: 'kela', role: 'kela_expert', displayName: 'Anna Änkö' });
    expect((await callJson(anna.api, 'POST', '/api/account/enrol', { code })).status).toBe(200);
    const created = await callJson(anna.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Jani, 24 v' });
    const workspaceId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;

    expect(await callJson(anna.api, 'GET', `/api/workspaces/${workspaceId}/files`)).toMatchObject({ status: 200, body: { files: [] } });

    const res = await rawRequest(anna.api, `/api/workspaces/${workspaceId}/export`, { method: 'POST', body: JSON.stringify({ what: 'plan', format: 'json', lang: 'fi' }) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="Yhteinen-asiakassuunnitelma-\d{4}-\d{2}-\d{2}\.json"/);
    expect(res.json()).toMatchObject({ schemaVersion: 1, what: 'plan', workspace: { id: workspaceId, label: 'Jani, 24 v' }, exportedBy: { userId: 'u-anna', displayName: 'Anna Änkö' } });
    expect(world.exports).toEqual([{ workspaceId, what: 'plan', format: 'json' }]);

    const bad = await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/export`, { what: 'record', format: 'pdf' });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    const unknown = await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/export`, { what: 'record', recordId: 'no-such-record', format: 'pdf' });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'unknown_record' } } });
    const elsewhere = await callJson(anna.api, 'GET', '/api/workspaces/not-mine/files');
    expect(elsewhere).toMatchObject({ status: 404, body: { error: { code: 'unknown_workspace' } } });
    expect(world.exports).toHaveLength(1);
  });
});
