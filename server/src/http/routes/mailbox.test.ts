/**
 * Mailboxes against the real server: delivery to co-member devices and to the sender's
 * own devices, refusal (all-or-nothing) of anyone else, hub notifications, and
 * acknowledgement of one's own items only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { fetchMailboxResponseSchema, sendMailboxResponseSchema } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import {
  append,
  call,
  createOrg,
  createWorkspace,
  enrolProfessional,
  expectError,
  expectLogsFreeOfSecrets,
  expectOk,
  linkDevice,
  memberOf,
  startApiServer,
} from '../api.testkit';
import type { ApiServer, TestDevice } from '../api.testkit';

let server: ApiServer;
let sender: TestDevice;
let peer: TestDevice;
let stranger: TestDevice;
let workspaceId: string;

const message = () => ({ kind: 'signal' as const, body: toBase64(randomBytes(48)) });

async function send(from: TestDevice, to: DeviceRef[]) {
  return call(server, 'POST', '/v1/mailbox', { token: from.token, json: { items: to.map((ref) => ({ to: ref, message: message() })) } });
}

async function inbox(device: TestDevice, limit = 100) {
  return expectOk(await call(server, 'GET', `/v1/mailbox?limit=${limit}`, { token: device.token }), fetchMailboxResponseSchema).items;
}

beforeAll(async () => {
  server = await startApiServer();
  const orgId = await createOrg(server);
  sender = await enrolProfessional(server, orgId);
  peer = await enrolProfessional(server, orgId);
  stranger = await enrolProfessional(server, orgId);
  workspaceId = await createWorkspace(server, sender, 'consultation');
  expect((await append(server, sender, workspaceId, 'add_member', { member: memberOf(peer) })).status).toBe(200);
});

afterAll(async () => {
  expectLogsFreeOfSecrets(server);
  await server.close();
});

describe('mailbox', () => {
  it('delivers to a co-member device, notifies the hub, and deletes on ack', async () => {
    const pending: { to: DeviceRef; pending: number }[] = [];
    const listener = (event: { to: DeviceRef; pending: number }) => pending.push(event);
    server.running.ctx.hub.on('mailbox', listener);
    const items = [message(), message()];
    let sent;
    try {
      sent = expectOk(await call(server, 'POST', '/v1/mailbox', { token: sender.token, json: { items: items.map((m) => ({ to: peer.ref, message: m })) } }), sendMailboxResponseSchema);
    } finally {
      server.running.ctx.hub.off('mailbox', listener);
    }
    expect(pending).toEqual([{ to: peer.ref, pending: 2 }]);
    const received = await inbox(peer);
    expect(received.map((i) => i.id)).toEqual(sent.ids);
    expect(received.map((i) => i.message)).toEqual(items);
    expect(received.every((i) => i.from.userId === sender.ref.userId && i.to.userId === peer.ref.userId)).toBe(true);
    expect(await inbox(peer, 1)).toHaveLength(1);
    // Another device's ack touches nothing of the peer's.
    expect((await call(server, 'POST', '/v1/mailbox/ack', { token: stranger.token, json: { ids: sent.ids } })).body).toEqual({ deleted: 0 });
    expect((await call(server, 'POST', '/v1/mailbox/ack', { token: peer.token, json: { ids: sent.ids } })).body).toEqual({ deleted: 2 });
    expect(await inbox(peer)).toEqual([]);
  });

  it("refuses a batch with any recipient outside the sender's workspaces and queues none of it", async () => {
    expectError(await send(sender, [peer.ref, stranger.ref]), 403, 'forbidden');
    expectError(await send(sender, [{ userId: 'nobody', deviceId: 1 }]), 403, 'forbidden');
    expectError(await send(sender, [{ userId: peer.ref.userId, deviceId: 2 }]), 403, 'forbidden');
    expect(await inbox(peer)).toEqual([]);
    expect(await inbox(stranger)).toEqual([]);
    const denial = (await server.running.ctx.store.audit.queryAudit({ limit: 100_000 })).filter((e) => e.action === 'denied' && e.detail['route'] === 'sendMailbox');
    expect(denial.map((e) => e.detail['to'])).toContain(`${stranger.ref.userId}.1`);
  });

  it("delivers to the sender's own other device without any shared workspace", async () => {
    const second = await linkDevice(server, stranger);
    expect((await send(stranger, [second.ref])).status).toBe(200);
    expect(await inbox(second)).toHaveLength(1);
  });

  it('stops delivery to a member once removed from the only shared workspace', async () => {
    const shared = await createWorkspace(server, stranger, 'consultation');
    const outsider = await enrolProfessional(server, stranger.orgId);
    expect((await append(server, stranger, shared, 'add_member', { member: memberOf(outsider) })).status).toBe(200);
    expect((await send(stranger, [outsider.ref])).status).toBe(200);
    expect((await append(server, stranger, shared, 'remove_member', { userId: outsider.ref.userId })).status).toBe(200);
    expectError(await send(stranger, [outsider.ref]), 403, 'forbidden');
    expect(await inbox(outsider)).toHaveLength(1);
  });

  it('audits deliveries per recipient user without message contents', async () => {
    const entries = (await server.running.ctx.store.audit.queryAudit({ limit: 100_000 })).filter((e) => e.action === 'mailbox_send');
    expect(entries[0]?.detail).toEqual({ toUser: peer.ref.userId, devices: '1', items: '2' });
  });
});
