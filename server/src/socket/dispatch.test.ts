/**
 * The dispatcher's own guarantees, whatever the event: a failing service becomes a
 * typed `internal` answer with an id that is in the log (and the payload is not), the
 * per-device rate limit, odd call shapes, and messages past socket.io's buffer limit.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Socket as ClientSocket } from 'socket.io-client';
import { ackFailureSchema, MAX_CLIENT_SOCKET_MESSAGE_BYTES } from '@yhteispoyta/crypto/protocol';
import { toBase64, toBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { connectAs, createTestWorkspace, enrolDevice, request, seal, startTestServer } from './relay.testkit';
import type { TestDevice, TestServer } from './relay.testkit';

const RATE = 40;
let server: TestServer;
let alice: TestDevice;
let workspaceId: string;

beforeAll(async () => {
  server = await startTestServer({ ratePerDevicePerMinute: RATE });
  alice = await enrolDevice(server);
  workspaceId = await createTestWorkspace(server, alice);
});

afterAll(async () => {
  await server.close();
});

const fetchChat = (ws: string) => ({ workspaceId: ws, stream: 'chat', afterSeq: 0, limit: 1 });

async function stillServing(socket: ClientSocket): Promise<void> {
  expect(await request(socket, 'fetch', fetchChat(workspaceId))).toMatchObject({ ok: true });
}

describe('the dispatcher', () => {
  it('answers an unexpected failure as internal with an id that is logged, without the payload', async () => {
    const socket = await connectAs(server, alice);
    const envelope = seal(alice, { workspaceId, kind: 'chat', clock: 1 });
    const failing = vi.spyOn(server.ctx.store.envelopes, 'appendEnvelope').mockRejectedValueOnce(new Error('disk write failed'));
    const ack = ackFailureSchema.parse(await request(socket, 'push', { envelope }));
    failing.mockRestore();
    expect(ack.error.code).toBe('internal');
    expect(ack.error.message).toBe('internal error');
    const id = ack.error.details?.id;
    expect(typeof id).toBe('string');
    const logged = server.logLines.filter((line) => line.includes(String(id)));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('disk write failed');
    const all = server.logLines.join('');
    expect(all.includes(toBase64(envelope.ciphertext)) || all.includes(toHex(envelope.ciphertext))).toBe(false);
    expect(await server.ctx.store.envelopes.envelopesAfter(workspaceId, 'chat', 0, 10)).toEqual([]);
    await stillServing(socket);
    // The envelope itself was fine: once the store works again it is accepted.
    expect(await request(socket, 'push', { envelope })).toMatchObject({ ok: true });
    socket.close();
  });

  it('refuses wrong call shapes as bad_request and ignores what it cannot answer', async () => {
    const socket = await connectAs(server, alice);
    const twoPayloads = await socket.timeout(5000).emitWithAck('fetch', fetchChat(workspaceId), 'extra');
    expect(ackFailureSchema.parse(twoPayloads).error.code).toBe('bad_request');
    socket.emit('fetch', fetchChat(workspaceId)); // no ack callback: nothing to answer
    socket.emit('no-such-event', { anything: true }, () => undefined);
    await stillServing(socket);
    socket.close();
  });

  it('closes a connection whose message exceeds the socket buffer limit, and keeps serving others', async () => {
    const socket = await connectAs(server, alice);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    const envelope = seal(alice, { workspaceId, kind: 'chat', clock: 1 });
    socket.emit('push', { envelope: { ...envelope, ciphertext: toBytes(new Uint8Array(MAX_CLIENT_SOCKET_MESSAGE_BYTES + 1)) } }, () => undefined);
    expect(await closed).toMatch(/transport close|transport error/);
    const other = await connectAs(server, alice);
    await stillServing(other);
    other.close();
  });

  it('rate-limits each device, answering rate_limited and auditing it', async () => {
    const bob = await enrolDevice(server);
    const bobsWorkspace = await createTestWorkspace(server, bob);
    const socket = await connectAs(server, bob);
    const acks: unknown[] = [];
    for (let i = 0; i < RATE + 2; i++) acks.push(await request(socket, 'fetch', fetchChat(bobsWorkspace)));
    expect(acks.slice(0, RATE).every((ack) => (ack as { ok: boolean }).ok)).toBe(true);
    for (const ack of acks.slice(RATE)) expect(ackFailureSchema.parse(ack).error.code).toBe('rate_limited');
    const denials = await server.ctx.store.audit.queryAudit({ actor: bob.ref, limit: 1000 });
    expect(denials.filter((e) => e.action === 'denied' && e.detail.error === 'rate_limited')).toHaveLength(2);
    // Another device has its own budget.
    const aliceSocket = await connectAs(server, alice);
    await stillServing(aliceSocket);
    aliceSocket.close();
    socket.close();
  });
});
