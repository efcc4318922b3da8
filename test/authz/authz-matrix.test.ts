/**
 * The authorization matrix (matrix.ts) against a real server (in process, real sqlite
 * store): every denial cell is refused with its typed code and recorded in the audit
 * log as `denied` with the right actor and workspace; every "n/a" cell of a device route
 * really is allowed for that caller; and every refused request succeeds for the
 * legitimate owner, so each refusal is about who asks and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_EVENT_SCHEMAS, CLIENT_TO_SERVER_EVENTS, httpStatusOf, PROTOCOL_VERSION, REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName, RouteName } from '@yhteispoyta/crypto/protocol';
import { call, expectError, startApiServer } from '@yhteispoyta/server/http/api.testkit';
import type { ApiServer } from '@yhteispoyta/server/http/api.testkit';
import { connectSocket } from '../fuzz/send-socket';
import { AuditProbe, denialView } from './audit-probe';
import { callerFor, expectedRestActor, expectedRestWorkspace, hasSession } from './callers';
import { COLUMNS, isDenial, REST_MATRIX, SOCKET_MATRIX } from './matrix';
import { restCallFor } from './rest-requests';
import { socketPayloadFor } from './socket-requests';
import { ADMIN_TOKEN, buildWorld } from './world';
import type { AuthzWorld } from './world';

let server: ApiServer;
let world: AuthzWorld;
let probe: AuditProbe;
/** What each cell showed, for the summary table. */
const verified = new Map<string, string>();

const restRoutes = Object.keys(REST_MATRIX) as RouteName[];
const socketEvents = Object.keys(SOCKET_MATRIX) as ClientToServerEventName[];

const restDenials = restRoutes.flatMap((route) =>
  COLUMNS.flatMap((column) => {
    const cell = REST_MATRIX[route][column];
    return isDenial(cell) ? [{ route, column, code: cell.deny }] : [];
  }),
);
const restAllowed = restRoutes.flatMap((route) =>
  COLUMNS.filter((column) => !isDenial(REST_MATRIX[route][column]) && hasSession(column) && REST_ROUTES[route].auth === 'device').map((column) => ({ route, column })),
);
const socketDenials = socketEvents.flatMap((event) =>
  COLUMNS.flatMap((column) => {
    const cell = SOCKET_MATRIX[event][column];
    return isDenial(cell) ? [{ event, column, code: cell.deny }] : [];
  }),
);
const socketAllowed = socketEvents.flatMap((event) => COLUMNS.filter((column) => !isDenial(SOCKET_MATRIX[event][column])).map((column) => ({ event, column })));

beforeAll(async () => {
  server = await startApiServer();
  world = await buildWorld(server);
  probe = new AuditProbe(server.running.ctx.store);
}, 120_000);

afterAll(async () => {
  process.stdout.write(`${summaryTable()}\n`);
  await server?.close();
});

function summaryTable(): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rows = [line(['', ...COLUMNS]), line(['---', ...COLUMNS.map(() => '---')])];
  for (const route of restRoutes) rows.push(line([`REST ${route}`, ...COLUMNS.map((c) => verified.get(`rest ${route} ${c}`) ?? 'n/a')]));
  for (const event of socketEvents) rows.push(line([`socket ${event}`, ...COLUMNS.map((c) => verified.get(`socket ${event} ${c}`) ?? 'n/a')]));
  return `authorization matrix (✓ = refused with that code and audited; allowed = n/a cell shown to succeed):\n${rows.join('\n')}`;
}

async function newDenials() {
  return (await probe.newEntries()).filter((e) => e.action === 'denied').map(denialView);
}

/** Emit with an ack; resolves with the ack or rejects on timeout. */
async function emit(socket: Awaited<ReturnType<typeof connected>>, event: string, payload: unknown): Promise<unknown> {
  return socket.timeout(15_000).emitWithAck(event, payload);
}

async function connected(token: string) {
  const result = await connectSocket(server.url, { token, v: PROTOCOL_VERSION });
  if (!result.ok) throw new Error(`connect failed: ${result.message}`);
  return result.socket;
}

describe('the matrix', () => {
  it('has a row for every REST route and every socket event, and a cell for every column', () => {
    expect(restRoutes.sort()).toEqual(Object.keys(REST_ROUTES).sort());
    expect(socketEvents.sort()).toEqual([...CLIENT_TO_SERVER_EVENTS].sort());
    for (const row of [...Object.values(REST_MATRIX), ...Object.values(SOCKET_MATRIX)]) expect(Object.keys(row).sort()).toEqual([...COLUMNS].sort());
  });
});

describe('REST denials', () => {
  it.each(restDenials)('$route × $column → $code, audited', async ({ route, column, code }) => {
    const caller = callerFor(column, world);
    const request = await restCallFor(route, world, caller);
    await probe.skip();
    const answer = await call(server, request.method, request.path, request.request);
    expectError(answer, httpStatusOf(code), code);
    expect(await newDenials()).toContainEqual({
      actor: expectedRestActor(route, column, caller),
      workspaceId: expectedRestWorkspace(route, column, request.workspaceId),
      route,
      event: null,
      error: code,
    });
    verified.set(`rest ${route} ${column}`, `${httpStatusOf(code)} ${code} ✓`);
  });

  it.each(restDenials.filter((d, i, all) => all.findIndex((o) => o.route === d.route) === i))(
    '$route succeeds for its legitimate caller (the refusals are about who asks)',
    async ({ route }) => {
      const admin = REST_ROUTES[route].auth === 'admin';
      const request = await restCallFor(route, world, { token: admin ? ADMIN_TOKEN : world.alice.token, device: world.alice });
      const answer = await call(server, request.method, request.path, request.request);
      expect({ route, status: answer.status, body: answer.body }).toMatchObject({ route, status: 200 });
    },
  );
});

describe('REST cells that do not apply are allowed for that caller', () => {
  it.each(restAllowed)('$route × $column succeeds', async ({ route, column }) => {
    const request = await restCallFor(route, world, callerFor(column, world));
    const answer = await call(server, request.method, request.path, request.request);
    expect({ route, column, status: answer.status, body: answer.body }).toMatchObject({ route, column, status: 200 });
    verified.set(`rest ${route} ${column}`, 'n/a (allowed ✓)');
  });

  it("a removed member's workspace list no longer has the workspace; the others' do", async () => {
    const listed = async (token: string) => ((await call(server, 'GET', '/v1/workspaces', { token })).body as { workspaces: { workspaceId: string }[] }).workspaces.map((w) => w.workspaceId);
    expect(await listed(world.eve.token)).not.toContain(world.W);
    expect(await listed(world.client.token)).toContain(world.W);
    const carols = await listed(world.carol.token);
    expect(carols).toContain(world.W2);
    expect(carols).not.toContain(world.W);
  });
});

describe('socket denials', () => {
  it.each(socketDenials)('$event × $column → $code, audited', async ({ event, column, code }) => {
    await probe.skip();
    if (column === 'noToken' || column === 'expiredToken') {
      // Without a valid session no socket exists to send the event on: the handshake is refused and audited.
      const refused = await connectSocket(server.url, column === 'noToken' ? { v: PROTOCOL_VERSION } : { token: world.expiredToken, v: PROTOCOL_VERSION });
      expect(refused).toMatchObject({ ok: false, data: { code } });
      expect(await newDenials()).toContainEqual({ actor: null, workspaceId: null, route: null, event: 'handshake', error: code });
    }
    if (column === 'expiredToken') {
      // A socket opened while the session was valid: the event after expiry is refused, audited, and the socket closed.
      server.clockOffsetMs = -120_000;
      const socket = await connected(world.expiredToken);
      server.clockOffsetMs = 0;
      try {
        const closed = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
        const ack = await emit(socket, event, await socketPayloadFor(event, world, world.alice, false));
        expect(CLIENT_EVENT_SCHEMAS[event].ack.parse(ack)).toMatchObject({ ok: false, error: { code } });
        await closed;
      } finally {
        socket.close();
      }
      expect(await newDenials()).toContainEqual({ actor: `${world.alice.ref.userId}.${world.alice.ref.deviceId}`, workspaceId: null, route: null, event, error: code });
    }
    if (hasSession(column)) {
      const caller = callerFor(column, world);
      const token = caller.token;
      if (token === undefined) throw new Error(`column ${column} has no token`);
      const socket = await connected(token);
      try {
        const ack = await emit(socket, event, await socketPayloadFor(event, world, caller.device, false));
        expect(CLIENT_EVENT_SCHEMAS[event].ack.parse(ack)).toMatchObject({ ok: false, error: { code } });
      } finally {
        socket.close();
      }
      expect(await newDenials()).toContainEqual({
        actor: `${caller.device.ref.userId}.${caller.device.ref.deviceId}`, workspaceId: world.W, route: null, event, error: code,
      });
    }
    verified.set(`socket ${event} ${column}`, `${code} ✓`);
  });

  it.each(socketEvents)('%s succeeds for the owner (the refusals are about who asks)', async (event) => {
    const socket = await connected(world.alice.token);
    try {
      const ack = await emit(socket, event, await socketPayloadFor(event, world, world.alice, true));
      expect(CLIENT_EVENT_SCHEMAS[event].ack.parse(ack)).toMatchObject({ ok: true });
    } finally {
      socket.close();
    }
  });

  it.each(socketAllowed)('$event × $column (n/a) succeeds', async ({ event, column }) => {
    const caller = callerFor(column, world);
    if (caller.token === undefined) throw new Error(`column ${column} has no token`);
    const socket = await connected(caller.token);
    try {
      const ack = await emit(socket, event, await socketPayloadFor(event, world, caller.device, true));
      expect(CLIENT_EVENT_SCHEMAS[event].ack.parse(ack)).toMatchObject({ ok: true });
    } finally {
      socket.close();
    }
    verified.set(`socket ${event} ${column}`, 'n/a (allowed ✓)');
  });
});
