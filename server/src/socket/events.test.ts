/**
 * Every client event against the same five situations: a valid request, a payload the
 * schema refuses, a client that failed the handshake, a device that is not a member,
 * and an oversized payload. Each answer must be a typed ack (parsed with the protocol's
 * own ack schema) and the connection must go on serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket as ClientSocket } from 'socket.io-client';
import { CLIENT_EVENT_SCHEMAS, connectErrorDataSchema, MAX_PRESENCE_CIPHERTEXT_BYTES, SOCKET_PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName } from '@yhteispoyta/crypto/protocol';
import { MAX_CIPHERTEXT_BYTES } from '@yhteispoyta/crypto/envelope';
import { randomBytes, toBytes } from '@yhteispoyta/crypto/bytes';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';
import { io } from 'socket.io-client';
import { connectAs, createTestWorkspace, enrolDevice, request, seal, startTestServer } from './relay.testkit';
import type { TestDevice, TestServer } from './relay.testkit';

let server: TestServer;
let member: TestDevice;
let outsider: TestDevice;
let workspaceId: string;
let memberSocket: ClientSocket;
let outsiderSocket: ClientSocket;
let chatClock = 0;

beforeAll(async () => {
  server = await startTestServer();
  member = await enrolDevice(server);
  outsider = await enrolDevice(server);
  workspaceId = await createTestWorkspace(server, member);
  memberSocket = await connectAs(server, member);
  outsiderSocket = await connectAs(server, outsider);
});

afterAll(async () => {
  memberSocket.close();
  outsiderSocket.close();
  await server.close();
});

function withCiphertext(envelope: WireEnvelope, bytes: number): WireEnvelope {
  return { ...envelope, ciphertext: toBytes(new Uint8Array(bytes)) };
}

/** How to build each situation's payload for one event. */
interface EventCase {
  valid(): unknown;
  schemaInvalid(): unknown;
  byOutsider(): unknown;
  oversized(): unknown;
}

const CASES: Record<ClientToServerEventName, EventCase> = {
  join: {
    valid: () => ({ workspaceId, positions: { 'doc:plan': { snapshotId: '', afterSeq: 0 }, chat: { snapshotId: '', afterSeq: 0 } } }),
    schemaInvalid: () => ({ workspaceId, positions: { 'doc:plan': { snapshotId: '', afterSeq: -1 } } }),
    byOutsider: () => ({ workspaceId, positions: {} }),
    oversized: () => ({ workspaceId: 'w'.repeat(70_000), positions: {} }),
  },
  leave: {
    valid: () => ({ workspaceId }),
    schemaInvalid: () => ({ workspaceId: 'not an id!' }),
    byOutsider: () => ({ workspaceId }),
    oversized: () => ({ workspaceId: 'w'.repeat(2000) }),
  },
  push: {
    valid: () => ({ envelope: seal(member, { workspaceId, kind: 'chat', clock: ++chatClock }) }),
    schemaInvalid: () => ({ envelope: { header: 'not bytes', nonce: randomBytes(12), ciphertext: randomBytes(32), signature: randomBytes(64) } }),
    byOutsider: () => ({ envelope: seal(outsider, { workspaceId, kind: 'chat', clock: 1 }) }),
    oversized: () => ({ envelope: withCiphertext(seal(member, { workspaceId, kind: 'chat', clock: chatClock + 1 }), MAX_CIPHERTEXT_BYTES + 1) }),
  },
  snapshot: {
    valid: () => ({ envelope: seal(member, { workspaceId, kind: 'snapshot', stream: 'doc:matrix', snapshotId: 'snap1' }) }),
    schemaInvalid: () => ({ envelope: { header: randomBytes(10), nonce: randomBytes(11), ciphertext: randomBytes(32), signature: randomBytes(64) } }),
    byOutsider: () => ({ envelope: seal(outsider, { workspaceId, kind: 'snapshot', stream: 'doc:matrix', snapshotId: 'snap2' }) }),
    oversized: () => ({
      envelope: withCiphertext(seal(member, { workspaceId, kind: 'snapshot', stream: 'doc:matrix', snapshotId: 'snap3' }), MAX_CIPHERTEXT_BYTES + 1),
    }),
  },
  presence: {
    valid: () => ({ envelope: seal(member, { workspaceId, kind: 'presence', clock: 1 }) }),
    schemaInvalid: () => ({ envelope: null }),
    byOutsider: () => ({ envelope: seal(outsider, { workspaceId, kind: 'presence', clock: 1 }) }),
    oversized: () => ({ envelope: withCiphertext(seal(member, { workspaceId, kind: 'presence', clock: 2 }), MAX_PRESENCE_CIPHERTEXT_BYTES + 1) }),
  },
  fetch: {
    valid: () => ({ workspaceId, stream: 'chat', afterSeq: 0, limit: 10 }),
    schemaInvalid: () => ({ workspaceId, stream: 'chat', afterSeq: 0, limit: 0 }),
    byOutsider: () => ({ workspaceId, stream: 'chat', afterSeq: 0, limit: 10 }),
    oversized: () => ({ workspaceId, stream: 'x'.repeat(5000), afterSeq: 0, limit: 10 }),
  },
};

const EVENTS = Object.keys(CASES) as ClientToServerEventName[];

/** The ack parsed with the event's own ack schema; fails the test if it does not parse. */
function typedAck(event: ClientToServerEventName, ack: unknown): { ok: boolean; code?: string } {
  const parsed = CLIENT_EVENT_SCHEMAS[event].ack.safeParse(ack);
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  const value = parsed.data as { ok: boolean; error?: { code: string } };
  return value.ok ? { ok: true } : { ok: false, code: value.error?.code ?? '' };
}

/** A valid fetch on the socket still succeeds. */
async function stillServing(socket: ClientSocket): Promise<void> {
  expect(socket.connected).toBe(true);
  const ack = await request(socket, 'fetch', { workspaceId, stream: 'chat', afterSeq: 0, limit: 1 });
  expect(typedAck('fetch', ack).ok).toBe(true);
}

async function deniedAuditCount(): Promise<number> {
  return (await server.ctx.store.audit.queryAudit({ limit: 10_000 })).filter((e) => e.action === 'denied').length;
}

describe.each(EVENTS)('the %s event', (event) => {
  const cases = CASES[event];

  it('answers a valid request with a typed success', async () => {
    expect(typedAck(event, await request(memberSocket, event, cases.valid()))).toEqual({ ok: true });
    await stillServing(memberSocket);
  });

  it('refuses a schema-invalid payload as bad_request, audited as denied', async () => {
    const before = await deniedAuditCount();
    expect(typedAck(event, await request(memberSocket, event, cases.schemaInvalid()))).toEqual({ ok: false, code: 'bad_request' });
    expect(await deniedAuditCount()).toBe(before + 1);
    await stillServing(memberSocket);
  });

  it('never reaches a client whose handshake failed', async () => {
    const socket = io(server.url, { auth: { token: 'A'.repeat(43), v: SOCKET_PROTOCOL_VERSION }, transports: ['websocket'], reconnection: false, forceNew: true });
    const refusal = await new Promise<unknown>((resolve) => socket.once('connect_error', (error: Error & { data?: unknown }) => resolve(error.data)));
    expect(connectErrorDataSchema.parse(refusal).code).toBe('unauthenticated');
    // socket.io-client buffers emits until a connection that will never come: no ack.
    await expect(socket.timeout(300).emitWithAck(event, cases.valid())).rejects.toThrow();
    socket.close();
    await stillServing(memberSocket);
  });

  it('refuses a device that is not a member as forbidden, audited with the workspace', async () => {
    expect(typedAck(event, await request(outsiderSocket, event, cases.byOutsider()))).toEqual({ ok: false, code: 'forbidden' });
    const denials = await server.ctx.store.audit.queryAudit({ workspaceId, actor: outsider.ref, limit: 100 });
    expect(denials.some((e) => e.action === 'denied' && e.detail.event === event && e.detail.error === 'forbidden')).toBe(true);
    expect(outsiderSocket.connected).toBe(true);
    await stillServing(memberSocket);
  });

  it('refuses an oversized payload as too_large and keeps the connection', async () => {
    expect(typedAck(event, await request(memberSocket, event, cases.oversized()))).toEqual({ ok: false, code: 'too_large' });
    await stillServing(memberSocket);
  });
});

it('stores nothing from refused requests', async () => {
  const chat = await server.ctx.store.envelopes.envelopesAfter(workspaceId, 'chat', 0, 100);
  // Exactly the one valid chat push of the matrix, by the member.
  expect(chat.map((e) => [e.authorKey, e.clock])).toEqual([[`${member.ref.userId}.1`, 1]]);
  const snapshots = await server.ctx.store.envelopes.listSnapshots(workspaceId, 'doc:matrix');
  expect(snapshots.map((s) => s.snapshotId)).toEqual(['snap1']);
});
