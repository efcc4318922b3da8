/**
 * Quotas against the real server (issue 15): blob bytes and count per user and per
 * workspace, workspaces per user and items per mailbox are refused with their stable codes
 * (413 quota_exceeded, 429 mailbox_full) and leave nothing behind; blobs nobody confirmed
 * as referenced are removed by the purge job once older than the limit, confirmed ones stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { blobUploadResponseSchema } from '@yhteispoyta/crypto/protocol';
import { purgeJob } from '../../maintenance/purge';
import {
  append,
  call,
  createEvent,
  createOrg,
  createWorkspace,
  enrolProfessional,
  expectError,
  expectOk,
  memberOf,
  startApiServer,
} from '../api.testkit';
import type { ApiServer, TestDevice } from '../api.testkit';

let server: ApiServer;
let orgId: string;

beforeAll(async () => {
  server = await startApiServer({
    QUOTA_BLOB_BYTES_PER_USER: '10000',
    QUOTA_BLOBS_PER_USER: '4',
    QUOTA_BLOB_BYTES_PER_WORKSPACE: '6000',
    QUOTA_BLOBS_PER_WORKSPACE: '3',
    QUOTA_WORKSPACES_PER_USER: '2',
    QUOTA_MAILBOX_ITEMS_PER_DEVICE: '3',
    BLOB_UNREFERENCED_TTL_SECONDS: '3600',
    SESSION_TTL_SECONDS: '86400',
  });
  orgId = await createOrg(server);
});

afterAll(async () => {
  await server.close();
});

const upload = (device: TestDevice, workspaceId: string, size: number) =>
  call(server, 'POST', `/v1/workspaces/${workspaceId}/blobs`, { token: device.token, raw: randomBytes(size) });

describe('blob quotas', () => {
  it('per workspace: bytes and count; a refused upload stores nothing', async () => {
    const owner = await enrolProfessional(server, orgId);
    const ws = await createWorkspace(server, owner, 'consultation');
    expectOk(await upload(owner, ws, 4000), blobUploadResponseSchema);
    // 2000 bytes are left in the workspace.
    expectError(await upload(owner, ws, 2500), 413, 'quota_exceeded');
    expect(await server.running.ctx.store.blobs.blobUsage({ workspaceId: ws })).toEqual({ bytes: 4000, count: 1 });
    expectOk(await upload(owner, ws, 1000), blobUploadResponseSchema);
    expectOk(await upload(owner, ws, 10), blobUploadResponseSchema);
    // Three blobs: the fourth is refused, however small.
    expectError(await upload(owner, ws, 1), 413, 'quota_exceeded');
    // Another workspace of his still has room (his own quota: 10000 bytes, 4 blobs).
    const other = await createWorkspace(server, owner, 'consultation');
    expectOk(await upload(owner, other, 10), blobUploadResponseSchema);
    expectError(await upload(owner, other, 10), 413, 'quota_exceeded');
  });

  it('per user: bytes over all his workspaces', async () => {
    const [a, b] = [await enrolProfessional(server, orgId), await enrolProfessional(server, orgId)];
    const ws1 = await createWorkspace(server, a, 'consultation');
    const ws2 = await createWorkspace(server, b, 'consultation');
    expect((await append(server, b, ws2, 'add_member', { member: memberOf(a) })).status).toBe(200);
    expectOk(await upload(a, ws1, 5500), blobUploadResponseSchema);
    // 4500 bytes of his own are left, though ws2 has 6000.
    expectError(await upload(a, ws2, 5000), 413, 'quota_exceeded');
    expectOk(await upload(a, ws2, 4500), blobUploadResponseSchema);
    // b's own uploads into ws2 are not held back by a's quota, only by the workspace's.
    expectOk(await upload(b, ws2, 1500), blobUploadResponseSchema);
  });
});

describe('unreferenced blobs', () => {
  it('are removed by the purge job after the limit unless a member confirmed them', async () => {
    const owner = await enrolProfessional(server, orgId);
    const ws = await createWorkspace(server, owner, 'consultation');
    const sent = expectOk(await upload(owner, ws, 100), blobUploadResponseSchema).blobId;
    const abandoned = expectOk(await upload(owner, ws, 200), blobUploadResponseSchema).blobId;
    const confirm = await call(server, 'POST', `/v1/workspaces/${ws}/blobs/confirm`, { token: owner.token, json: { blobIds: [sent] } });
    expect(confirm.body).toEqual({ confirmed: 1 });
    const job = purgeJob(server.running.ctx);
    // Within the limit both stay.
    await job.run();
    expect((await server.running.ctx.store.blobs.getBlob(ws, abandoned))).not.toBeNull();
    server.clockOffsetMs = 3600_000 + 1000;
    try {
      // (Other tests' uploads in this server, never confirmed, go too.)
      expect((await job.run()).unreferenced).toBeGreaterThanOrEqual(1);
    } finally {
      server.clockOffsetMs = 0;
    }
    expect((await call(server, 'GET', `/v1/workspaces/${ws}/blobs/${sent}`, { token: owner.token })).status).toBe(200);
    expectError(await call(server, 'GET', `/v1/workspaces/${ws}/blobs/${abandoned}`, { token: owner.token }), 404, 'not_found');
    // The removed blob no longer counts against the quotas.
    expect(await server.running.ctx.store.blobs.blobUsage({ workspaceId: ws })).toEqual({ bytes: 100, count: 1 });
  });

  it('only a member of the workspace may confirm', async () => {
    const owner = await enrolProfessional(server, orgId);
    const stranger = await enrolProfessional(server, orgId);
    const ws = await createWorkspace(server, owner, 'consultation');
    const blobId = expectOk(await upload(owner, ws, 100), blobUploadResponseSchema).blobId;
    expectError(await call(server, 'POST', `/v1/workspaces/${ws}/blobs/confirm`, { token: stranger.token, json: { blobIds: [blobId] } }), 403, 'forbidden');
    expect((await server.running.ctx.store.blobs.getBlob(ws, blobId))?.info.confirmedAt).toBeUndefined();
  });
});

describe('workspaces per user', () => {
  it('refuses a third workspace with quota_exceeded', async () => {
    const owner = await enrolProfessional(server, orgId);
    await createWorkspace(server, owner, 'consultation');
    await createWorkspace(server, owner, 'consultation');
    expectError(await call(server, 'POST', '/v1/workspaces', { token: owner.token, json: { event: createEvent(server, owner, 'consultation') } }), 413, 'quota_exceeded');
  });
});

describe('mailbox items', () => {
  it('refuses a send that would pass the recipient\'s limit with mailbox_full, until he acknowledges', async () => {
    const [a, b] = [await enrolProfessional(server, orgId), await enrolProfessional(server, orgId)];
    const ws = await createWorkspace(server, a, 'consultation');
    expect((await append(server, a, ws, 'add_member', { member: memberOf(b) })).status).toBe(200);
    const item = () => ({ to: b.ref, message: { kind: 'signal', body: toBase64(randomBytes(64)) } });
    const send = (count: number) => call(server, 'POST', '/v1/mailbox', { token: a.token, json: { items: Array.from({ length: count }, item) } });
    expect((await send(2)).status).toBe(200);
    expectError(await send(2), 429, 'mailbox_full');
    expect(await server.running.ctx.store.mailbox.mailboxCount(b.ref)).toBe(2);
    expect((await send(1)).status).toBe(200);
    expectError(await send(1), 429, 'mailbox_full');
    const fetched = await call(server, 'GET', '/v1/mailbox', { token: b.token });
    const ids = (fetched.body as { items: { id: string }[] }).items.map((i) => i.id);
    expect((await call(server, 'POST', '/v1/mailbox/ack', { token: b.token, json: { ids } })).status).toBe(200);
    expect((await send(3)).status).toBe(200);
  });
});
