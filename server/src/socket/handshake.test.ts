/**
 * The handshake: protocol version, session token, browser origins, session expiry —
 * every refusal a connect error carrying the protocol's `{ code, message }`, audited,
 * and the token never written to a log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { relayParser } from '@yhteispoyta/crypto/protocol/socket-frames';
import { connectErrorDataSchema, SOCKET_PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import { connect, connectAs, createTestWorkspace, enrolDevice, request, startTestServer } from './relay.testkit';
import type { TestDevice, TestServer } from './relay.testkit';

let server: TestServer;
let alice: TestDevice;

beforeAll(async () => {
  server = await startTestServer();
  alice = await enrolDevice(server);
});

afterAll(async () => {
  await server.close();
});

/** The `data` of the connect error the handshake ends with. */
async function refusalOf(auth: unknown): Promise<{ code: string; message: string }> {
  const error = await connect(server, auth).then(
    (socket) => {
      socket.close();
      throw new Error('the handshake was accepted');
    },
    (thrown: unknown) => thrown as Error & { data?: unknown },
  );
  return connectErrorDataSchema.parse(error.data);
}

/** A connection with the device's real token still works. */
async function stillServing(): Promise<void> {
  const socket = await connectAs(server, alice);
  expect(socket.connected).toBe(true);
  socket.close();
}

describe('the handshake', () => {
  it('accepts a device with its session token and protocol version', async () => {
    await stillServing();
  });

  it('refuses another protocol version, or none, as unsupported_version', async () => {
    expect((await refusalOf({ token: alice.token, v: 1 })).code).toBe('unsupported_version');
    // Version 2 sent every envelope as four byte fields; the envelope header's own version (2) is not the socket's.
    expect((await refusalOf({ token: alice.token, v: 2 })).code).toBe('unsupported_version');
    expect((await refusalOf({ token: alice.token })).code).toBe('unsupported_version');
    expect((await refusalOf(undefined)).code).toBe('unsupported_version');
    await stillServing();
  });

  it('refuses a malformed, unknown or extra-field token as unauthenticated', async () => {
    expect((await refusalOf({ token: 'short', v: SOCKET_PROTOCOL_VERSION })).code).toBe('unauthenticated');
    expect((await refusalOf({ token: 'B'.repeat(43), v: SOCKET_PROTOCOL_VERSION })).code).toBe('unauthenticated');
    expect((await refusalOf({ token: alice.token, v: SOCKET_PROTOCOL_VERSION, admin: true })).code).toBe('unauthenticated');
    await stillServing();
  });

  it('audits refusals as denied without an actor, and never logs the token', async () => {
    const before = await server.ctx.store.audit.queryAudit({ limit: 10_000 });
    await refusalOf({ token: 'C'.repeat(43), v: SOCKET_PROTOCOL_VERSION });
    const added = (await server.ctx.store.audit.queryAudit({ limit: 10_000 })).slice(before.length);
    expect(added.map((e) => [e.action, e.actor, e.detail])).toEqual([['denied', null, { event: 'handshake', error: 'unauthenticated' }]]);
    expect(server.logLines.join('')).not.toContain(alice.token);
    expect(server.logLines.join('')).not.toContain('C'.repeat(43));
  });

  it('refuses browser origins: the central server talks to agents only', async () => {
    const socket = io(server.url, {
      auth: { token: alice.token, v: SOCKET_PROTOCOL_VERSION },
      transports: ['polling'],
      extraHeaders: { origin: 'https://evil.example' },
      reconnection: false,
      forceNew: true,
      parser: relayParser,
    });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', () => resolve('refused'));
    });
    socket.close();
    expect(outcome).toBe('refused');
    await stillServing();
  });
});

describe('an expired session', () => {
  it('is answered unauthenticated on its next event and disconnected; a new handshake with it is refused', async () => {
    const bob = await enrolDevice(server);
    const workspaceId = await createTestWorkspace(server, bob);
    const socket = await connectAs(server, bob);
    expect(await request(socket, 'fetch', { workspaceId, stream: 'chat', afterSeq: 0, limit: 1 })).toMatchObject({ ok: true });
    const disconnected = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    server.clockOffsetMs = server.ctx.config.sessionTtlSeconds * 1000 + 1000;
    try {
      expect(await request(socket, 'fetch', { workspaceId, stream: 'chat', afterSeq: 0, limit: 1 })).toMatchObject({
        ok: false,
        error: { code: 'unauthenticated' },
      });
      await disconnected;
      expect((await refusalOf({ token: bob.token, v: SOCKET_PROTOCOL_VERSION })).code).toBe('unauthenticated');
    } finally {
      server.clockOffsetMs = 0;
    }
  });
});
