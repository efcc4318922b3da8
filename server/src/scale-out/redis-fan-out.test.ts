/**
 * Two server processes' worth of relay in this process — two `startServer`s on one
 * sqlite file, fanning out through one real redis-server — and devices connected to
 * different ones: envelopes, presence, mailbox notices and removals cross between them,
 * and a removal committed through one is enforced by the other's admission at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket as ClientSocket } from 'socket.io-client';
import { envelopeNoticeSchema, pushAckSchema } from '@yhteispoyta/crypto/protocol';
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import { startServer } from '../app';
import type { RunningServer } from '../app';
import { ConfigError, loadConfig } from '../config';
import { TEST_ADMIN_TOKEN, shareDeployment } from '../http/certified.testkit';
import { appendEvent, collect, connectAs, createTestWorkspace, enrolDevice, nextEvent, request, seal, settle } from '../socket/relay.testkit';
import type { TestDevice, TestServer } from '../socket/relay.testkit';
import { startRedisServer } from './redis-process.testkit';
import type { RedisProcess } from './redis-process.testkit';

let dir: string;
let redis: RedisProcess;
/** Every server here shares one store, so one deployment root: they share its test deployment. */
const deployment = {};
const running: RunningServer[] = [];
const sockets: ClientSocket[] = [];

/** The relay testkit's view of a server started here. */
function asTestServer(server: RunningServer): TestServer {
  return { url: server.url, ctx: server.ctx, logLines: [], clockOffsetMs: 0, close: server.close };
}

async function start(redisUrl: string | undefined): Promise<TestServer> {
  const server = await startServer({
    config: loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      SQLITE_PATH: join(dir, 'shared.db'),
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
    }),
  });
  running.push(server);
  const testServer = asTestServer(server);
  shareDeployment(testServer, deployment);
  return testServer;
}

async function connect(server: TestServer, device: TestDevice, workspaceId: string): Promise<ClientSocket> {
  const socket = await connectAs(server, device);
  sockets.push(socket);
  expect(await request(socket, 'join', { workspaceId, positions: {} })).toMatchObject({ ok: true });
  return socket;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-fan-out-'));
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  for (const server of running) await server.close();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('REDIS_URL', () => {
  it('is optional, and must be a redis URL when given', () => {
    expect(loadConfig({}).redisUrl).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379' }).redisUrl).toBe('redis://cache:6379');
    expect(loadConfig({ REDIS_URL: 'rediss://user:pw@cache:6380/0' }).redisUrl).toBe('rediss://user:pw@cache:6380/0');
    expect(() => loadConfig({ REDIS_URL: 'http://cache:6379' })).toThrow(ConfigError);
  });
});

describe('two servers fanning out through redis', () => {
  it('envelopes, presence, mailbox notices and removals reach sockets on the other server', async () => {
    const one = await start(redis.url);
    const two = await start(redis.url);
    const [alice, bob, carol] = [await enrolDevice(one), await enrolDevice(one), await enrolDevice(one)];
    const workspaceId = await createTestWorkspace(one, alice, bob, carol);
    const aliceSocket = await connect(one, alice, workspaceId);
    const bobSocket = await connect(two, bob, workspaceId);
    const carolSocket = await connect(two, carol, workspaceId);

    // An update pushed to server one is fanned out to bob on server two.
    const update = seal(alice, { workspaceId, clock: 1 });
    const arriving = nextEvent(bobSocket, 'envelope');
    expect(pushAckSchema.parse(await request(aliceSocket, 'push', { envelope: update }))).toMatchObject({ ok: true });
    const notice = envelopeNoticeSchema.parse(await arriving);
    expect(notice).toMatchObject({ workspaceId, stream: 'doc:plan' });
    expect(bytesEqual(notice.stored.envelope.ciphertext, update.ciphertext)).toBe(true);

    // Presence from server two reaches alice on server one.
    const presence = nextEvent(aliceSocket, 'presence');
    expect(await request(bobSocket, 'presence', { envelope: seal(bob, { workspaceId, kind: 'presence', stream: 'presence' }) })).toMatchObject({ ok: true });
    expect(await presence).toMatchObject({ workspaceId });

    // A mailbox notice raised on server one (its REST side) reaches bob's socket on server two.
    const mailbox = nextEvent(bobSocket, 'mailbox');
    one.ctx.hub.emit('mailbox', { to: bob.ref, pending: 3 });
    expect(await mailbox).toEqual({ pending: 3 });

    // Carol is removed through server one: her socket on server two leaves the room
    // before anything else is fanned out, and is told why.
    const carolEnvelopes = collect(carolSocket, 'envelope');
    const revoked = nextEvent(carolSocket, 'revoked');
    await appendEvent(one, alice, workspaceId, 'remove_member', { userId: carol.ref.userId });
    expect(await revoked).toMatchObject({ workspaceId, reason: 'member_removed', event: { type: 'remove_member', payload: { userId: expect.any(String) } } });
    const after = nextEvent(bobSocket, 'envelope');
    expect(pushAckSchema.parse(await request(aliceSocket, 'push', { envelope: seal(alice, { workspaceId, clock: 2 }) }))).toMatchObject({ ok: true });
    await after;
    await settle(carolSocket, workspaceId).catch(() => undefined);
    expect(carolEnvelopes).toEqual([]);
  });

  it('without REDIS_URL a server reaches only its own sockets', async () => {
    const one = await start(undefined);
    const two = await start(undefined);
    const [alice, bob, dave] = [await enrolDevice(one), await enrolDevice(one), await enrolDevice(one)];
    const workspaceId = await createTestWorkspace(one, alice, bob, dave);
    const aliceSocket = await connect(one, alice, workspaceId);
    const bobSocket = await connect(two, bob, workspaceId);
    const daveSocket = await connect(one, dave, workspaceId);
    const bobEnvelopes = collect(bobSocket, 'envelope');
    const local = nextEvent(daveSocket, 'envelope');
    expect(pushAckSchema.parse(await request(aliceSocket, 'push', { envelope: seal(alice, { workspaceId, clock: 1 }) }))).toMatchObject({ ok: true });
    await local;
    await settle(bobSocket, workspaceId);
    expect(bobEnvelopes).toEqual([]);
  });

  it('a device removed through one server is refused at its next push on the other, which held her in its chain cache', async () => {
    const one = await start(undefined);
    const two = await start(undefined);
    const [alice, erin] = [await enrolDevice(one), await enrolDevice(one)];
    const workspaceId = await createTestWorkspace(one, alice, erin);
    const erinSocket = await connect(two, erin, workspaceId);
    // Server two admits her push: its cache now holds the chain with her in it.
    expect(pushAckSchema.parse(await request(erinSocket, 'push', { envelope: seal(erin, { workspaceId, clock: 1 }) }))).toMatchObject({ ok: true });
    // Removed through server one: a commit server two did not make (its store's foreign-write mark moves).
    await appendEvent(one, alice, workspaceId, 'remove_member', { userId: erin.ref.userId });
    expect(await request(erinSocket, 'push', { envelope: seal(erin, { workspaceId, clock: 2 }) })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await two.ctx.store.envelopes.envelopesAfter(workspaceId, 'doc:plan', 0, 10)).toHaveLength(1);
  });
});
