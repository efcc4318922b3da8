/**
 * What the server pushes without being asked: presence of other devices (never stored,
 * never logged), membership changes, `revoked` for removed devices — which from then on
 * receive nothing of the workspace — mailbox notices, changed certificates of a person
 * (to him and to whoever shares a workspace with him) and redeemed codes (to the devices
 * that may certify the new device).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Socket as ClientSocket } from 'socket.io-client';
import { SERVER_EVENT_SCHEMAS } from '@yhteispoyta/crypto/protocol';
import { bytesEqual, randomBytes, toBase64, toHex } from '@yhteispoyta/crypto/bytes';
import { call } from '../http/api-call.testkit';
import { enrol, enrolBody, freshUpload, inviteCertifiedClient, linkCertifiedDevice, newCode } from '../http/certified.testkit';
import { sendMailbox } from '../services/mailbox';
import {
  appendEvent,
  collect,
  connectAs,
  createTestWorkspace,
  createTestWorkspaceOfKind,
  enrolDevice,
  nextEvent,
  request,
  seal,
  settle,
  startTestServer,
} from './relay.testkit';
import type { TestDevice, TestServer } from './relay.testkit';

let server: TestServer;
let alice: TestDevice;
let bob: TestDevice;
let aliceSocket: ClientSocket;
let bobSocket: ClientSocket;

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob] = [await enrolDevice(server), await enrolDevice(server)];
  aliceSocket = await connectAs(server, alice);
  bobSocket = await connectAs(server, bob);
});

afterAll(async () => {
  aliceSocket.close();
  bobSocket.close();
  await server.close();
});

async function join(socket: ClientSocket, workspaceId: string): Promise<unknown> {
  return request(socket, 'join', { workspaceId, positions: {} });
}

describe('presence', () => {
  it('is fanned out to the other members, never to the sender, never stored, never logged', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    await join(aliceSocket, workspaceId);
    await join(bobSocket, workspaceId);
    const aliceSees = collect(aliceSocket, 'presence');
    const marker = randomBytes(64);
    const envelope = seal(alice, { workspaceId, kind: 'presence', clock: 1, plaintext: marker });
    const notice = nextEvent(bobSocket, 'presence');
    const auditBefore = (await server.ctx.store.audit.queryAudit({ limit: 10_000 })).length;
    const linesBefore = server.logLines.length;
    expect(await request(aliceSocket, 'presence', { envelope })).toEqual({ ok: true });
    const received = SERVER_EVENT_SCHEMAS.presence.parse(await notice);
    expect(received.workspaceId).toBe(workspaceId);
    expect(bytesEqual(received.envelope.ciphertext, envelope.ciphertext)).toBe(true);
    await settle(aliceSocket, workspaceId);
    expect(aliceSees).toEqual([]);
    expect(await server.ctx.store.envelopes.envelopesAfter(workspaceId, 'presence', 0, 100)).toEqual([]);
    const state = await server.ctx.store.envelopes.latestState(workspaceId, 'presence');
    expect(state).toEqual({ snapshot: null, envelopes: [] });
    // The only audit entry since is the fetch of settle(); no log line was written at all.
    const audit = (await server.ctx.store.audit.queryAudit({ limit: 10_000 })).slice(auditBefore);
    expect(audit.map((e) => e.action)).toEqual(['fetch']);
    const newLines = server.logLines.slice(linesBefore).join('');
    expect(newLines).toBe('');
    const anyTrace = server.logLines.join('');
    expect(anyTrace.includes(toBase64(envelope.ciphertext)) || anyTrace.includes(toHex(envelope.ciphertext))).toBe(false);
  });

  it('of a device outside the workspace is refused and reaches nobody', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    await join(aliceSocket, workspaceId);
    const aliceSees = collect(aliceSocket, 'presence');
    const ack = await request(bobSocket, 'presence', { envelope: seal(bob, { workspaceId, kind: 'presence', clock: 1 }) });
    expect(ack).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await settle(aliceSocket, workspaceId);
    expect(aliceSees).toEqual([]);
  });
});

describe('membership changes', () => {
  it('notify the room; a removed member gets revoked, leaves the room at once and receives nothing more', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    await join(aliceSocket, workspaceId);
    await join(bobSocket, workspaceId);
    let clock = 0;
    const pushChat = async () => request(aliceSocket, 'push', { envelope: seal(alice, { workspaceId, kind: 'chat', clock: ++clock }) });
    const firstNotice = nextEvent(bobSocket, 'envelope');
    expect(await pushChat()).toMatchObject({ ok: true });
    await firstNotice;

    const bobEnvelopes = collect(bobSocket, 'envelope');
    const bobPresence = collect(bobSocket, 'presence');
    const revoked = nextEvent(bobSocket, 'revoked');
    const aliceNotice = nextEvent(aliceSocket, 'membership');
    const removedAt = await appendEvent(server, alice, workspaceId, 'remove_member', { userId: bob.ref.userId });
    expect(SERVER_EVENT_SCHEMAS.revoked.parse(await revoked)).toMatchObject({ workspaceId, reason: 'member_removed', event: { type: 'remove_member', workspaceId } });
    expect(SERVER_EVENT_SCHEMAS.membership.parse(await aliceNotice)).toEqual({ workspaceId, seq: removedAt });

    expect(await pushChat()).toMatchObject({ ok: true });
    expect(await request(aliceSocket, 'presence', { envelope: seal(alice, { workspaceId, kind: 'presence', clock: 1 }) })).toEqual({ ok: true });
    await settle(bobSocket, workspaceId);
    expect(bobEnvelopes).toEqual([]);
    expect(bobPresence).toEqual([]);
    // And the removed device can no longer come back in, read or write.
    expect(await join(bobSocket, workspaceId)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await request(bobSocket, 'fetch', { workspaceId, stream: 'chat', afterSeq: 0, limit: 10 })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const bobPush = await request(bobSocket, 'push', { envelope: seal(bob, { workspaceId, kind: 'chat', clock: 1 }) });
    expect(bobPush).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await server.ctx.store.envelopes.envelopesAfter(workspaceId, 'chat', 0, 100)).map((e) => e.authorKey)).toEqual([
      `${alice.ref.userId}.1`,
      `${alice.ref.userId}.1`,
    ]);
  });

  it('keep out a device removed while its join was being checked', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    await join(aliceSocket, workspaceId);
    const { directory } = server.ctx.store;
    const getDevice = directory.getDevice.bind(directory);
    // Bob's join has passed the membership check when the removal lands.
    const removeDuringJoin = vi.spyOn(directory, 'getDevice').mockImplementationOnce(async (ref) => {
      await appendEvent(server, alice, workspaceId, 'remove_member', { userId: bob.ref.userId });
      return getDevice(ref);
    });
    expect(await join(bobSocket, workspaceId)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    removeDuringJoin.mockRestore();
    const bobEnvelopes = collect(bobSocket, 'envelope');
    expect(await request(aliceSocket, 'push', { envelope: seal(alice, { workspaceId, kind: 'chat', clock: 1 }) })).toMatchObject({ ok: true });
    await settle(bobSocket, workspaceId);
    expect(bobEnvelopes).toEqual([]);
  });

  it('reach every member device once, also one that never joined the room, and no outsider', async () => {
    const carol = await enrolDevice(server);
    const carolSocket = await connectAs(server, carol);
    const workspaceId = await createTestWorkspace(server, alice, bob);
    // Alice is in the workspace's room and in her device room; Bob only in his device room.
    await join(aliceSocket, workspaceId);
    // The creation's own notices may still be on their way (another connection answered the creation).
    for (const socket of [aliceSocket, bobSocket]) await settle(socket, workspaceId);
    const aliceSees = collect(aliceSocket, 'membership');
    const bobSees = collect(bobSocket, 'membership');
    const carolSees = collect(carolSocket, 'membership');
    const bobNotice = nextEvent(bobSocket, 'membership');
    const seq = await appendEvent(server, alice, workspaceId, 'rotate_epoch', { epoch: 2 });
    expect(SERVER_EVENT_SCHEMAS.membership.parse(await bobNotice)).toEqual({ workspaceId, seq });
    for (const socket of [aliceSocket, bobSocket, carolSocket]) await settle(socket, workspaceId);
    expect(aliceSees).toEqual([{ workspaceId, seq }]);
    expect(bobSees).toEqual([{ workspaceId, seq }]);
    expect(carolSees).toEqual([]);
    carolSocket.close();
  });

  it('name the reason of a device removal', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    await join(bobSocket, workspaceId);
    const revoked = nextEvent(bobSocket, 'revoked');
    await appendEvent(server, alice, workspaceId, 'remove_device', { userId: bob.ref.userId, deviceId: 1 });
    expect(SERVER_EVENT_SCHEMAS.revoked.parse(await revoked)).toMatchObject({ workspaceId, reason: 'device_removed', event: { type: 'remove_device' } });
  });
});

describe('mailbox notices', () => {
  it('reach every socket of the addressed device and no other', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    const bobSecond = await connectAs(server, bob);
    const aliceSees = collect(aliceSocket, 'mailbox');
    const notices = [nextEvent(bobSocket, 'mailbox'), nextEvent(bobSecond, 'mailbox')];
    await sendMailbox(server.ctx, alice.ref, { items: [{ to: bob.ref, message: { kind: 'signal', body: toBase64(randomBytes(48)) } }] });
    for (const notice of await Promise.all(notices)) expect(SERVER_EVENT_SCHEMAS.mailbox.parse(notice)).toEqual({ pending: 1 });
    await settle(aliceSocket, workspaceId);
    expect(aliceSees).toEqual([]);
    bobSecond.close();
  });
});

describe('certificate and enrolment notices', () => {
  it('tell a person and everyone sharing a workspace with him that his certificates changed, and nobody else', async () => {
    const carol = await enrolDevice(server);
    const carolSocket = await connectAs(server, carol);
    const workspaceId = await createTestWorkspace(server, alice, bob);
    const [aliceSees, bobSees, carolSees] = [aliceSocket, bobSocket, carolSocket].map((socket) => collect(socket, 'certificates'));
    const toAlice = nextEvent(aliceSocket, 'certificates');
    const phone = await linkCertifiedDevice(server, bob);
    expect(SERVER_EVENT_SCHEMAS.certificates.parse(await toAlice)).toEqual({ userId: bob.ref.userId });
    for (const socket of [aliceSocket, bobSocket, carolSocket]) await settle(socket, workspaceId);
    expect(aliceSees).toEqual([{ userId: bob.ref.userId }]);
    expect(bobSees).toEqual([{ userId: bob.ref.userId }]);
    expect(carolSees).toEqual([]);
    expect(phone.ref.userId).toBe(bob.ref.userId);
    carolSocket.close();
  });

  it("tell the issuing device, and only the code's people, that a code was redeemed", async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    const aliceSees = collect(aliceSocket, 'enrolment');
    const bobSees = collect(bobSocket, 'enrolment');
    // A link code of alice's: every device of alice hears of it.
    const code = newCode(server, 'device_link');
    const link = await call(server, 'POST', '/v1/devices/link-codes', { token: alice.token, json: { codeId: code.codeId } });
    const { deviceId } = link.body as { deviceId: number };
    const { upload } = freshUpload(deviceId);
    const heard = nextEvent(aliceSocket, 'enrolment');
    await enrol(server, enrolBody(code, upload), upload);
    expect(SERVER_EVENT_SCHEMAS.enrolment.parse(await heard)).toEqual({ codeId: code.codeId });
    // An invitation of bob's into a case of his: bob's inviting device hears of it.
    const caseId = await createTestWorkspaceOfKind(server, 'case', bob);
    await inviteCertifiedClient(server, bob, caseId);
    for (const socket of [aliceSocket, bobSocket]) await settle(socket, workspaceId);
    expect(aliceSees).toEqual([{ codeId: code.codeId }]);
    expect(bobSees).toHaveLength(1);
    expect(bobSees[0]).toEqual({ codeId: expect.stringMatching(/^inv_/) });
  });
});
