/**
 * The relay door against a small stand-in server: handshake auth and refusals, requests
 * with acks, notices, binary payloads with many attachments, JSON rewriting and streamed
 * bodies, each hook honoured and the untouched path byte-exact.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { relayParser } from '@yhteispoyta/crypto/protocol/socket-frames';
import { openRelayDoor } from './relay-door';
import type { RelayDoor } from './relay-door';
import type { RequestDecision } from './socket-bridge';

let upstream: http.Server;
let upstreamIo: Server;
let upstreamUrl: string;
let door: RelayDoor;
const seenByServer: unknown[] = [];
let hookMode: 'pass' | 'rewrite' = 'pass';

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/v1/workspaces/w1/membership' && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ events: [{ seq: 0 }, { seq: 1 }] }));
      } else if (req.url === '/v1/workspaces/w1/blobs' && req.method === 'POST') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ blobId: 'b1', size: body.byteLength, auth: req.headers.authorization }));
      } else if (req.url === '/v1/mailbox' && req.method === 'POST') {
        res.writeHead(409, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: JSON.parse(body.toString('utf8')) as unknown }));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
      }
    });
  });
  upstreamIo = new Server(upstream, { serveClient: false, parser: relayParser });
  upstreamIo.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown };
    if (auth.token === 'good-token') return next();
    const refusal: Error & { data?: unknown } = new Error('refused');
    refusal.data = { code: 'unauthenticated', message: 'bad token' };
    next(refusal);
  });
  upstreamIo.on('connection', (socket) => {
    socket.on('join', (payload: unknown, ack: (answer: unknown) => void) => {
      seenByServer.push(payload);
      ack({ ok: true, parts: Array.from({ length: 40 }, (_, i) => Buffer.from([i])) });
    });
    socket.on('leave', () => {
      socket.emit('membership', { workspaceId: 'w1', seq: 7 });
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  door = await openRelayDoor({
    name: 'anna',
    upstream: upstreamUrl,
    rest: {
      response: (exchange, status, body) =>
        hookMode === 'rewrite' && exchange.route?.name === 'listMembership' && status === 200 ? { events: [(body as { events: unknown[] }).events[0]] } : body,
      request: (exchange, body) => (hookMode === 'rewrite' && exchange.route?.name === 'sendMailbox' ? { rewritten: true, was: body } : body),
    },
    socket: {
      request: (_door, event, payload): RequestDecision =>
        hookMode === 'rewrite' && event === 'fetch' ? { answer: { ok: false, error: { code: 'internal', message: 'from the relay' } } } : { forward: payload },
      answer: (_door, _event, _request, answer) => (hookMode === 'rewrite' ? { ...(answer as object), rewritten: true } : answer),
      notice: (_door, _event, payload) => (hookMode === 'rewrite' ? [payload, payload] : [payload]),
    },
  });
});

afterAll(async () => {
  await door.close();
  upstreamIo.disconnectSockets(true);
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

function connect(token: string): Promise<Socket> {
  const socket = io(door.url, { transports: ['websocket'], parser: relayParser, auth: { token, v: 1 }, reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

describe('relay door: socket.io', () => {
  it("passes the server's handshake refusal through with its data", async () => {
    await expect(connect('bad-token')).rejects.toMatchObject({ message: 'refused', data: { code: 'unauthenticated' } });
  });

  it('forwards requests with their acks (40 binary attachments) and notices, unchanged', async () => {
    hookMode = 'pass';
    const socket = await connect('good-token');
    const answer = (await socket.emitWithAck('join', { workspaceId: 'w1', blob: Buffer.from([9, 9]) })) as { ok: boolean; parts: Buffer[] };
    expect(answer.ok).toBe(true);
    expect(answer.parts.map((p) => p[0])).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(seenByServer.at(-1)).toMatchObject({ workspaceId: 'w1' });
    const notices: unknown[] = [];
    socket.on('membership', (n: unknown) => notices.push(n));
    socket.emit('leave', {});
    await expect.poll(() => notices).toEqual([{ workspaceId: 'w1', seq: 7 }]);
    expect(door.connections()).toHaveLength(1);
    socket.close();
    await expect.poll(() => door.connections().length).toBe(0);
  });

  it('lets hooks answer for the server, rewrite acks and multiply notices', async () => {
    hookMode = 'rewrite';
    const socket = await connect('good-token');
    expect(await socket.emitWithAck('fetch', {})).toEqual({ ok: false, error: { code: 'internal', message: 'from the relay' } });
    expect(await socket.emitWithAck('join', {})).toMatchObject({ ok: true, rewritten: true });
    const notices: unknown[] = [];
    socket.on('membership', (n: unknown) => notices.push(n));
    socket.emit('leave', {});
    await expect.poll(() => notices.length).toBe(2);
    const connection = door.connections()[0];
    connection?.emit('revoked', { workspaceId: 'w1', reason: 'member_removed' });
    const revoked = await new Promise((resolve) => socket.once('revoked', resolve));
    expect(revoked).toEqual({ workspaceId: 'w1', reason: 'member_removed' });
    const closed = new Promise((resolve) => socket.once('disconnect', resolve));
    connection?.disconnect();
    await closed;
    socket.close();
  });
});

describe('relay door: REST', () => {
  it('rewrites JSON answers and requests of the routes a hook picks, status kept', async () => {
    hookMode = 'pass';
    expect(await (await fetch(`${door.url}/v1/workspaces/w1/membership`)).json()).toEqual({ events: [{ seq: 0 }, { seq: 1 }] });
    hookMode = 'rewrite';
    expect(await (await fetch(`${door.url}/v1/workspaces/w1/membership`)).json()).toEqual({ events: [{ seq: 0 }] });
    const sent = await fetch(`${door.url}/v1/mailbox`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [1] }) });
    expect(sent.status).toBe(409);
    expect(await sent.json()).toEqual({ echo: { rewritten: true, was: { items: [1] } } });
  });

  it('streams blob bodies through with the agent headers, and passes other answers untouched', async () => {
    const bytes = new Uint8Array(300_000).fill(7);
    const upload = await fetch(`${door.url}/v1/workspaces/w1/blobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: 'Bearer t0k' },
      body: bytes,
    });
    expect(await upload.json()).toEqual({ blobId: 'b1', size: 300_000, auth: 'Bearer t0k' });
    const missing = await fetch(`${door.url}/elsewhere`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('nope');
  });

  it('answers 502 when the server is gone', async () => {
    const lonely = await openRelayDoor({ name: 'x', upstream: 'http://127.0.0.1:9', rest: {}, socket: {} });
    try {
      expect((await fetch(`${lonely.url}/health`)).status).toBe(502);
    } finally {
      await lonely.close();
    }
  });
});
