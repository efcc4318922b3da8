/**
 * The authorization matrix (matrix.ts) against a real server (in process, real sqlite
 * store): every denial cell is refused with its typed code and recorded in the audit
 * log as `denied` with the right actor and workspace; every "n/a" cell of a device route
 * really is allowed for that caller; and every refused request succeeds for the
 * legitimate owner, so each refusal is about who asks and nothing else. Routes whose
 * answer depends on who asks without refusing anyone (an invitation's enrolment, a
 * person's pending devices) and the who-may-store rules of certificates are checked
 * caller by caller after the matrix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_EVENT_SCHEMAS, CLIENT_TO_SERVER_EVENTS, httpStatusOf, SOCKET_PROTOCOL_VERSION, REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName, RouteName } from '@yhteispoyta/crypto/protocol';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { TEST_ADMIN_TOKEN, call, deploymentOf, enrol, enrolBody, expectError, freshUpload, newCode, startApiServer } from '@yhteispoyta/server/http/api.testkit';
import type { ApiServer, TestDevice } from '@yhteispoyta/server/http/api.testkit';
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
  const result = await connectSocket(server.url, { token, v: SOCKET_PROTOCOL_VERSION });
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
      // A further invitation is redeemed by the client; every other device route's legitimate caller is the owner.
      const device = route === 'redeemInvitation' ? world.client : world.alice;
      const request = await restCallFor(route, world, { token: admin ? ADMIN_TOKEN : device.token, device });
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
      const refused = await connectSocket(server.url, column === 'noToken' ? { v: SOCKET_PROTOCOL_VERSION } : { token: world.expiredToken, v: SOCKET_PROTOCOL_VERSION });
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

describe('answers that depend on who asks', () => {
  it("an invitation's enrolment is shown to the inviting device only; everyone else gets null, as for an unredeemed code", async () => {
    const path = `/v1/invitations/${world.invitationCodeId}/enrolment`;
    const seen = async (device: TestDevice) => {
      const answer = await call(server, 'GET', path, { token: device.token });
      expect(answer.status).toBe(200);
      return (answer.body as { enrolment: { codeId: string; kind: string; userId: string; deviceId: number } | null }).enrolment;
    };
    expect(await seen(world.alice)).toMatchObject({ codeId: world.invitationCodeId, kind: 'invitation', userId: world.client.ref.userId, deviceId: 1 });
    for (const other of [world.carol, world.eve, world.client]) expect(await seen(other)).toBeNull();
    // An invitation of nobody answers the same null.
    const unknown = await call(server, 'GET', `/v1/invitations/${newCode(server, 'invitation').codeId}/enrolment`, { token: world.alice.token });
    expect(unknown.body).toEqual({ enrolment: null });
  });

  it("a person's device waiting for approval is listed to that person's devices only", async () => {
    // Alice registers a link code; a new device of hers enrols with it and waits, uncertified.
    const code = newCode(server, 'device_link');
    const linked = await call(server, 'POST', '/v1/devices/link-codes', { token: world.alice.token, json: { codeId: code.codeId } });
    expect(linked.status).toBe(200);
    const { deviceId } = linked.body as { deviceId: number };
    const { upload } = freshUpload(deviceId);
    await enrol(server, enrolBody(code, upload), upload);
    const pending = async (device: TestDevice) => {
      const answer = await call(server, 'GET', '/v1/devices/pending', { token: device.token });
      expect(answer.status).toBe(200);
      return (answer.body as { enrolments: { codeId: string; userId: string; deviceId: number }[] }).enrolments;
    };
    expect(await pending(world.alice)).toEqual([expect.objectContaining({ codeId: code.codeId, userId: world.alice.ref.userId, deviceId })]);
    for (const other of [world.carol, world.eve, world.client]) expect(await pending(other)).toEqual([]);
    // Nor do the organisation's admin listings show it: a linked device is its person's to approve.
    const admin = await call(server, 'GET', `/v1/admin/orgs/${world.orgA}/enrolments`, { token: TEST_ADMIN_TOKEN });
    expect((admin.body as { enrolments: { codeId: string }[] }).enrolments.map((e) => e.codeId)).not.toContain(code.codeId);
  });
});

describe('the directory by caller (issue 15)', () => {
  const found = async (device: TestDevice, orgId: string, q: string): Promise<string[]> => {
    const answer = await call(server, 'GET', `/v1/orgs/${orgId}/users?q=${encodeURIComponent(q)}`, { token: device.token });
    expect(answer.status).toBe(200);
    return (answer.body as { users: { userId: string }[] }).users.map((u) => u.userId).sort();
  };

  it('a professional finds the professionals whose name holds the fragment, in any organisation', async () => {
    expect(await found(world.carol, world.orgA, 'MAIJA')).toEqual([world.alice.ref.userId, world.eve.ref.userId].sort());
    expect(await found(world.carol, world.orgA, 'nobody by this name')).toEqual([]);
    expect(await found(world.alice, world.orgB, 'meikäläinen')).toEqual([world.carol.ref.userId]);
  });

  it('a client finds only people who share a workspace with him', async () => {
    // Eve was removed from W and carol was never in it: the client sees alice alone.
    expect(await found(world.client, world.orgA, 'maija')).toEqual([world.alice.ref.userId]);
    expect(await found(world.client, world.orgB, 'maija')).toEqual([]);
  });

  it('refuses a fragment shorter than two characters: there is no listing of everyone', async () => {
    expectError(await call(server, 'GET', `/v1/orgs/${world.orgA}/users?q=m`, { token: world.carol.token }), 400, 'bad_request');
    expectError(await call(server, 'GET', `/v1/orgs/${world.orgA}/users`, { token: world.carol.token }), 400, 'bad_request');
  });
});

describe('who may store which certificate', () => {
  type Storer = 'admin' | 'alice' | 'carol' | 'eve' | 'client';
  const storerToken = (storer: Storer): string => (storer === 'admin' ? TEST_ADMIN_TOKEN : world[storer].token);
  const actorOf = (storer: Storer): string | null => (storer === 'admin' ? null : `${world[storer].ref.userId}.${world[storer].ref.deviceId}`);
  /** Each certificate by name, built when the test runs (the world exists then). */
  const certificates: Record<string, () => Certificate> = {
    "alice's device": () => world.alice.device.cert,
    "alice's user": () => world.alice.person.cert,
    "the client's client certificate": () => world.client.person.cert,
    "the client's device": () => world.client.device.cert,
    "carol's device": () => world.carol.device.cert,
    "a revocation of alice's device": () => deploymentOf(server).authority.revokeDevice(world.alice.person, world.alice.device, Date.now()),
    "alice's organisation": () => {
      const org = deploymentOf(server).orgs.get(world.orgA);
      if (org === undefined) throw new Error('orgA is not in the deployment');
      return org.cert;
    },
  };
  const cases: { storer: Storer; certificate: string; allowed: boolean }[] = [
    // The admin tool stores organisation, user and device certificates, never a client certificate.
    { storer: 'admin', certificate: "alice's user", allowed: true },
    { storer: 'admin', certificate: "alice's device", allowed: true },
    { storer: 'admin', certificate: "the client's client certificate", allowed: false },
    // A device stores its own person's device certificates and those of a client it invited …
    { storer: 'alice', certificate: "alice's device", allowed: true },
    { storer: 'alice', certificate: "the client's device", allowed: true },
    { storer: 'client', certificate: "the client's device", allowed: true },
    // … and nothing of anybody else's, nor what only organisations and the root sign.
    { storer: 'carol', certificate: "alice's device", allowed: false },
    { storer: 'client', certificate: "alice's device", allowed: false },
    { storer: 'alice', certificate: "carol's device", allowed: false },
    { storer: 'carol', certificate: "the client's device", allowed: false },
    { storer: 'eve', certificate: "the client's client certificate", allowed: false },
    { storer: 'client', certificate: "the client's client certificate", allowed: false },
    { storer: 'eve', certificate: "alice's user", allowed: false },
    { storer: 'alice', certificate: "alice's user", allowed: false },
    { storer: 'alice', certificate: "alice's organisation", allowed: false },
    { storer: 'carol', certificate: "a revocation of alice's device", allowed: false },
  ];

  it.each(cases)('$storer storing $certificate: allowed $allowed', async ({ storer, certificate, allowed }) => {
    const path = storer === 'admin' ? '/v1/admin/certificates' : '/v1/certificates';
    await probe.skip();
    const answer = await call(server, 'POST', path, { token: storerToken(storer), json: { certificate: certificates[certificate]?.() } });
    if (allowed) {
      expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 200, body: { id: expect.any(String) } });
      return;
    }
    expectError(answer, httpStatusOf('forbidden'), 'forbidden');
    expect(await newDenials()).toContainEqual({
      actor: actorOf(storer), workspaceId: null, route: storer === 'admin' ? 'adminStoreCertificate' : 'storeCertificate', event: null, error: 'forbidden',
    });
  });
});
