import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io';
import { relayParser } from '@yhteispoyta/crypto/protocol/socket-frames';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SOCKET_PROTOCOL_VERSION } from '@yhteispoyta/crypto/protocol';
import type { NewProblem, RestClient } from '../contracts';
import { RestError } from '../contracts';
import { SocketServerLink } from './server-link';
import type { TokenSource } from './token-source';

const token = (n: number): string => `token-${n}`.padEnd(40, 'x');

let http: HttpServer;
let ioServer: Server;
let url: string;
let handshakes: unknown[];
let accept: (auth: unknown) => boolean;
let onSocket: (socket: Socket) => void;
const links: SocketServerLink[] = [];

async function startIo(port = 0): Promise<void> {
  http = createServer();
  ioServer = new Server(http, { transports: ['websocket'], parser: relayParser });
  ioServer.use((socket, next) => {
    handshakes.push(socket.handshake.auth);
    if (accept(socket.handshake.auth)) return next();
    const error = new Error('refused') as Error & { data?: unknown };
    error.data = { code: 'unauthenticated', message: 'bad token' };
    next(error);
  });
  ioServer.on('connection', (socket) => onSocket(socket));
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function stopIo(): Promise<void> {
  await new Promise<void>((resolve) => ioServer.close(() => resolve()));
}

beforeEach(async () => {
  handshakes = [];
  accept = () => true;
  onSocket = () => undefined;
  await startIo();
});
afterEach(async () => {
  for (const link of links.splice(0)) await link.close();
  await stopIo();
});

function tokens(): TokenSource & { renewals: number } {
  const source = {
    renewals: 0,
    async current() {
      return token(source.renewals + 1);
    },
    async renew() {
      source.renewals += 1;
      return token(source.renewals + 1);
    },
  };
  return source;
}

const unusedRest = {} as RestClient;

function connect(source: TokenSource = tokens(), problems: NewProblem[] = []): SocketServerLink {
  const link = new SocketServerLink({
    url,
    rest: unusedRest,
    tokens: source,
    problems: { report: (p) => problems.push(p) },
    requestTimeoutMs: 300,
    reconnectDelayMs: 20,
    reconnectDelayMaxMs: 100,
  });
  links.push(link);
  return link;
}

function online(link: SocketServerLink): Promise<void> {
  if (link.status() === 'online') return Promise.resolve();
  return new Promise((resolve) => {
    const off = link.onOnline(() => {
      off();
      resolve();
    });
  });
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SocketServerLink', () => {
  it('authenticates with a token and the protocol version, then reports online', async () => {
    const link = connect();
    await online(link);
    expect(link.status()).toBe('online');
    expect(handshakes).toEqual([{ token: token(1), v: SOCKET_PROTOCOL_VERSION }]);
  });

  it('request: a valid ack is returned parsed', async () => {
    onSocket = (socket) => socket.on('leave', (_req: unknown, ack: (a: unknown) => void) => ack({ ok: true }));
    const link = connect();
    await online(link);
    expect(await link.request('leave', { workspaceId: 'ws1' })).toEqual({ ok: true });
  });

  it('request: a malformed ack is a failure and a server_error problem', async () => {
    onSocket = (socket) => socket.on('leave', (_req: unknown, ack: (a: unknown) => void) => ack({ ok: true, extra: 'x' }));
    const problems: NewProblem[] = [];
    const link = connect(tokens(), problems);
    await online(link);
    const answer = await link.request('leave', { workspaceId: 'ws1' });
    expect(answer.ok).toBe(false);
    expect(problems.map((p) => p.code)).toEqual(['server_error']);
  });

  it('request: no answer in time, or not connected, is an offline failure', async () => {
    onSocket = (socket) => socket.on('leave', () => undefined);
    const link = connect();
    await online(link);
    const late = await link.request('leave', { workspaceId: 'ws1' }, 50);
    expect(late.ok === false && late.error.code).toBe('offline');
    await link.close();
    const closed = await link.request('leave', { workspaceId: 'ws1' });
    expect(closed.ok === false && closed.error.code).toBe('offline');
  });

  it('notices are parsed; an invalid one is reported and not delivered', async () => {
    let server: Socket | undefined;
    onSocket = (socket) => {
      server = socket;
    };
    const problems: NewProblem[] = [];
    const link = connect(tokens(), problems);
    const got: unknown[] = [];
    link.onNotice('membership', (n) => got.push(n));
    await online(link);
    server?.emit('membership', { workspaceId: 'ws1', seq: -1 });
    server?.emit('membership', { workspaceId: 'ws1', seq: 3 });
    await until(() => got.length === 1);
    expect(got).toEqual([{ workspaceId: 'ws1', seq: 3 }]);
    expect(problems.map((p) => p.code)).toEqual(['server_error']);
  });

  it('forwards revoked notices', async () => {
    onSocket = (socket) => socket.emit('revoked', { workspaceId: 'ws1', reason: 'member_removed' });
    const link = connect();
    const got: unknown[] = [];
    link.onNotice('revoked', (n) => got.push(n));
    await until(() => got.length === 1);
    expect(got).toEqual([{ workspaceId: 'ws1', reason: 'member_removed' }]);
  });

  it('a refused handshake renews the token and tries again', async () => {
    accept = (auth) => (auth as { token?: string }).token === token(2);
    const source = tokens();
    const link = connect(source);
    await online(link);
    expect(source.renewals).toBe(1);
    expect(handshakes.map((h) => (h as { token: string }).token)).toEqual([token(1), token(2)]);
  });

  it('a failing login is reported once and retried', async () => {
    let calls = 0;
    const source: TokenSource = {
      async current() {
        calls += 1;
        if (calls < 3) throw new RestError('unauthenticated', 'login failed', 401);
        return token(1);
      },
      async renew() {
        return this.current();
      },
    };
    accept = (auth) => (auth as { token?: string }).token === token(1);
    const problems: NewProblem[] = [];
    const link = connect(source, problems);
    await online(link);
    expect(problems.map((p) => p.code)).toEqual(['forbidden']);
  });

  it('reconnects after the server ends the connection, with onOffline and onOnline', async () => {
    let serverSide: Socket | undefined;
    onSocket = (socket) => {
      serverSide = socket;
    };
    const link = connect();
    await online(link);
    let offline = 0;
    let onlineCount = 0;
    link.onOffline(() => (offline += 1));
    link.onOnline(() => (onlineCount += 1));
    serverSide?.disconnect(true);
    await until(() => onlineCount === 1);
    expect(offline).toBe(1);
    expect(handshakes).toHaveLength(2);
  });

  it('reconnects after a server restart on the same port', async () => {
    const link = connect();
    await online(link);
    const port = Number(new URL(url).port);
    let onlineCount = 0;
    link.onOnline(() => (onlineCount += 1));
    await stopIo();
    await until(() => link.status() !== 'online');
    await startIo(port);
    await until(() => onlineCount === 1, 5000);
    expect(link.status()).toBe('online');
  });
});
