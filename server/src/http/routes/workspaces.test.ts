/**
 * Workspaces and their membership chains against the real server: only owners change
 * membership (403, nothing stored), events must be signed by the caller, the directory
 * must confirm who is added, a removed member loses every read at once and the hub says
 * so, the chain cache follows appends made by another server process, and a client
 * member reads the audit log of his own case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { signEvent } from '@yhteispoyta/crypto/membership';
import { auditResponseSchema } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { chainStateOf } from '../../services/membership';
import {
  append,
  call,
  chainOf,
  createEvent,
  createOrg,
  createWorkspace,
  chainDevice,
  enrolProfessional,
  expectError,
  expectLogsFreeOfSecrets,
  inviteClient,
  memberOf,
  nextEvent,
  startApiServer,
} from '../api.testkit';
import type { ApiServer, TestDevice } from '../api.testkit';
import { newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';

let server: ApiServer;
let orgId: string;
let owner: TestDevice;
let colleague: TestDevice;

beforeAll(async () => {
  server = await startApiServer();
  orgId = await createOrg(server);
  owner = await enrolProfessional(server, orgId, 'social_worker');
  colleague = await enrolProfessional(server, orgId, 'health_professional');
});

afterAll(async () => {
  expectLogsFreeOfSecrets(server);
  expect((await server.running.ctx.store.audit.verifyAuditChain()).ok).toBe(true);
  await server.close();
});

async function seqOf(workspaceId: string): Promise<number> {
  return (await chainOf(server, owner, workspaceId)).at(-1)?.seq ?? -1;
}

describe('membership appends', () => {
  it('refuses membership changes by a member who is not an owner (403) and stores nothing', async () => {
    const workspaceId = await createWorkspace(server, owner, 'consultation');
    expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(colleague) })).status).toBe(200);
    const third = await enrolProfessional(server, orgId);
    const before = await seqOf(workspaceId);
    expectError(await append(server, colleague, workspaceId, 'add_member', { member: memberOf(third) }, owner), 403, 'forbidden');
    expectError(await append(server, colleague, workspaceId, 'remove_member', { userId: owner.ref.userId }, owner), 403, 'forbidden');
    expect(await seqOf(workspaceId)).toBe(before);
    const denied = (await server.running.ctx.store.audit.queryAudit({ workspaceId, limit: 100 })).filter((e) => e.action === 'denied');
    expect(denied.map((e) => e.actor)).toContainEqual(colleague.ref);
  });

  it('refuses an event posted by another device than its author', async () => {
    const workspaceId = await createWorkspace(server, owner, 'consultation');
    expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(colleague) })).status).toBe(200);
    const event = await nextEvent(server, owner, owner, workspaceId, 'rotate_epoch', { epoch: 2 });
    expectError(await call(server, 'POST', `/v1/workspaces/${workspaceId}/membership`, { token: colleague.token, json: { event } }), 403, 'forbidden');
    expectError(await call(server, 'POST', `/v1/workspaces/other-ws/membership`, { token: owner.token, json: { event } }), 400, 'bad_request');
    expect((await call(server, 'POST', `/v1/workspaces/${workspaceId}/membership`, { token: owner.token, json: { event } })).status).toBe(200);
    // The same event again is a fork of the stored chain.
    expectError(await call(server, 'POST', `/v1/workspaces/${workspaceId}/membership`, { token: owner.token, json: { event } }), 409, 'conflict');
  });

  it('refuses members and devices the directory does not confirm (400 invalid_chain), storing nothing', async () => {
    const workspaceId = await createWorkspace(server, owner, 'consultation');
    const before = await seqOf(workspaceId);
    const unregistered = { ...memberOf(colleague), devices: [chainDevice(colleague), { deviceId: 7, keyHash: colleague.keyHash }] };
    expectError(await append(server, owner, workspaceId, 'add_member', { member: unregistered }), 400, 'invalid_chain');
    const wrongRole = { ...memberOf(colleague), role: 'kela_expert' as const };
    expectError(await append(server, owner, workspaceId, 'add_member', { member: wrongRole }), 400, 'invalid_chain');
    const wrongOrg = { ...memberOf(colleague), orgId: 'another-org' };
    expectError(await append(server, owner, workspaceId, 'add_member', { member: wrongOrg }), 400, 'invalid_chain');
    const ghost = { userId: 'no-such-user', orgId, role: 'teacher' as const, owner: false, devices: [] };
    expectError(await append(server, owner, workspaceId, 'add_member', { member: ghost }), 400, 'invalid_chain');
    expectError(await append(server, owner, workspaceId, 'add_device', { userId: owner.ref.userId, deviceId: 5, keyHash: owner.keyHash }), 400, 'invalid_chain');
    expect(await seqOf(workspaceId)).toBe(before);
  });

  it('refuses a create whose creator the directory does not confirm, a taken id, and a far-off clock', async () => {
    const lying = createEvent(server, owner, 'case');
    const forged = signEvent<'create'>(
      { ...lying, payload: { ...lying.payload, creator: { ...lying.payload.creator, role: 'kela_expert' } } },
      owner.identity.identityKeyPair.privateKey,
    );
    expectError(await call(server, 'POST', '/v1/workspaces', { token: owner.token, json: { event: forged } }), 400, 'invalid_chain');
    const event = createEvent(server, owner, 'case');
    expect((await call(server, 'POST', '/v1/workspaces', { token: owner.token, json: { event } })).status).toBe(200);
    expectError(await call(server, 'POST', '/v1/workspaces', { token: owner.token, json: { event } }), 409, 'conflict');
    const base = createEvent(server, owner, 'case');
    const old = signEvent<'create'>({ ...base, at: base.at - 3_600_000 }, owner.identity.identityKeyPair.privateKey);
    expectError(await call(server, 'POST', '/v1/workspaces', { token: owner.token, json: { event: old } }), 400, 'bad_request');
    const byOther = createEvent(server, colleague, 'case');
    expectError(await call(server, 'POST', '/v1/workspaces', { token: owner.token, json: { event: byOther } }), 403, 'forbidden');
  });

  it('enforces the client consent in a case: adding a professional outside it is 403', async () => {
    const workspaceId = await createWorkspace(server, owner, 'case');
    const client = await inviteClient(server, owner, workspaceId);
    expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(client) })).status).toBe(200);
    expectError(await append(server, owner, workspaceId, 'add_member', { member: memberOf(colleague) }), 403, 'forbidden');
    expect((await append(server, client, workspaceId, 'grant_consent', { orgIds: [orgId], purposeCommitment: textCommitment('purpose', 'palveluntarpeen arviointi', newTextSalt()) }, owner)).status).toBe(200);
    expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(colleague) })).status).toBe(200);
  });
});

describe('removal', () => {
  it("cuts a removed member's token off every workspace read and tells the hub which devices left", async () => {
    const workspaceId = await createWorkspace(server, owner, 'case');
    expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(colleague) })).status).toBe(200);
    const blob = await call(server, 'POST', `/v1/workspaces/${workspaceId}/blobs`, { token: owner.token, raw: randomBytes(100) });
    const { blobId } = blob.body as { blobId: string };
    const reads = [`/membership`, `/audit`, `/blobs/${blobId}`].map((p) => `/v1/workspaces/${workspaceId}${p}`);
    for (const path of reads) expect((await call(server, 'GET', path, { token: colleague.token })).status).toBe(200);

    type Notice = { workspaceId: string; seq: number; removed: DeviceRef[]; members: readonly DeviceRef[] };
    const notified: Notice[] = [];
    const listener = (event: Notice) => notified.push(event);
    server.running.ctx.hub.on('membership', listener);
    try {
      expect((await append(server, owner, workspaceId, 'remove_member', { userId: colleague.ref.userId })).status).toBe(200);
    } finally {
      server.running.ctx.hub.off('membership', listener);
    }
    expect(notified).toEqual([{ workspaceId, seq: 2, removed: [colleague.ref], members: [owner.ref] }]);

    for (const path of reads) expectError(await call(server, 'GET', path, { token: colleague.token }), 403, 'forbidden');
    expectError(await call(server, 'POST', `/v1/workspaces/${workspaceId}/blobs`, { token: colleague.token, raw: randomBytes(10) }), 403, 'forbidden');
    const listed = await call(server, 'GET', '/v1/workspaces', { token: colleague.token });
    expect((listed.body as { workspaces: { workspaceId: string }[] }).workspaces.map((w) => w.workspaceId)).not.toContain(workspaceId);
    expect(await server.running.ctx.store.workspaces.memberDevices(workspaceId)).not.toContainEqual(colleague.ref);
  });
});

describe('audit log of a case', () => {
  it('is readable by the client member, filtered by device and time, oldest first', async () => {
    const workspaceId = await createWorkspace(server, owner, 'case');
    const client = await inviteClient(server, owner, workspaceId);
    expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(client) })).status).toBe(200);
    const all = auditResponseSchema.parse((await call(server, 'GET', `/v1/workspaces/${workspaceId}/audit`, { token: client.token })).body);
    // The membership read is the test's own fetch of the chain before it signs add_member.
    expect(all.entries.map((e) => e.action)).toEqual(['membership_append', 'invitation_issue', 'enrol', 'fetch', 'membership_append']);
    expect(all.entries.map((e) => e.seq)).toEqual([...all.entries.map((e) => e.seq)].sort((a, b) => a - b));
    const key = `${owner.ref.userId}.${owner.ref.deviceId}`;
    const byOwner = auditResponseSchema.parse((await call(server, 'GET', `/v1/workspaces/${workspaceId}/audit?device=${key}`, { token: client.token })).body);
    expect(byOwner.entries.every((e) => e.actor?.userId === owner.ref.userId)).toBe(true);
    expect(byOwner.entries).toHaveLength(4);
    const at = all.entries[2]?.at ?? 0;
    const window = auditResponseSchema.parse((await call(server, 'GET', `/v1/workspaces/${workspaceId}/audit?from=${at}&to=${at}`, { token: client.token })).body);
    expect(window.entries.length).toBeGreaterThan(0);
    expect(window.entries.every((e) => e.at === at)).toBe(true);
    expectError(await call(server, 'GET', `/v1/workspaces/${workspaceId}/audit?from=10&to=5`, { token: client.token }), 400, 'bad_request');
    // The query itself is audited.
    const after = await server.running.ctx.store.audit.queryAudit({ workspaceId, limit: 100 });
    expect(after.filter((e) => e.action === 'audit_query').map((e) => e.actor)).toContainEqual(client.ref);
  });
});

describe('chain state across server processes', () => {
  it('follows appends made through another server on the same store', async () => {
    const dbPath = server.running.ctx.config.store.kind === 'sqlite' ? server.running.ctx.config.store.path : '';
    const second = await startApiServer({ SQLITE_PATH: dbPath });
    try {
      const workspaceId = await createWorkspace(server, owner, 'consultation');
      const seen = await chainStateOf(second.running.ctx, workspaceId);
      expect(seen?.members.has(colleague.ref.userId)).toBe(false);
      expect((await append(server, owner, workspaceId, 'add_member', { member: memberOf(colleague) })).status).toBe(200);
      const updated = await chainStateOf(second.running.ctx, workspaceId);
      expect(updated?.seq).toBe(1);
      expect(updated?.members.has(colleague.ref.userId)).toBe(true);
      // An append through the second server builds on the first one's event.
      const event = await nextEvent(server, owner, owner, workspaceId, 'rotate_epoch', { epoch: 2 });
      const answer = await call(second, 'POST', `/v1/workspaces/${workspaceId}/membership`, { token: owner.token, json: { event } });
      expect(answer.body).toEqual({ seq: 2 });
      expect((await chainStateOf(server.running.ctx, workspaceId))?.epoch).toBe(2);
    } finally {
      await second.close();
    }
  });
});
