/**
 * Regression (found by test/authz): a refused request that names its workspace in the
 * body rather than the path — an invitation into someone else's case — was audited
 * without the workspace, so the case's members never saw the attempt in its log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditResponseSchema } from '@yhteispoyta/crypto/protocol';
import { call, createOrg, createWorkspace, enrolProfessional, expectError, expectOk, newCode, startApiServer } from './api.testkit';
import type { ApiServer } from './api.testkit';

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  await server.close();
});

describe('a refused request naming a workspace in its body', () => {
  it("is in that workspace's audit log, for its members to see", async () => {
    const org = await createOrg(server);
    const owner = await enrolProfessional(server, org);
    const stranger = await enrolProfessional(server, org, 'health_professional');
    const workspaceId = await createWorkspace(server, owner);

    const codeId = newCode(server, 'invitation').codeId;
    expectError(await call(server, 'POST', '/v1/invitations', { token: stranger.token, json: { workspaceId, codeId } }), 403, 'forbidden');

    const log = expectOk(await call(server, 'GET', `/v1/workspaces/${workspaceId}/audit?limit=1000`, { token: owner.token }), auditResponseSchema);
    const denial = log.entries.find((e) => e.action === 'denied' && e.detail.route === 'createInvitation');
    expect(denial).toMatchObject({ actor: stranger.ref, workspaceId, detail: { error: 'forbidden' } });
  });

  it('is not filed under a workspace the body only claims when the body is malformed', async () => {
    const org = await createOrg(server);
    const owner = await enrolProfessional(server, org);
    const workspaceId = await createWorkspace(server, owner);
    // codeId missing: refused before any rule ran, so the claim is not trusted.
    expectError(await call(server, 'POST', '/v1/invitations', { token: owner.token, json: { workspaceId } }), 400, 'bad_request');
    const log = expectOk(await call(server, 'GET', `/v1/workspaces/${workspaceId}/audit?limit=1000`, { token: owner.token }), auditResponseSchema);
    expect(log.entries.filter((e) => e.action === 'denied')).toEqual([]);
  });
});
