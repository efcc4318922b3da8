/**
 * Scale-out (docs/design.md §8): TWO server processes on one shared MongoDB store, fanning out
 * through one Redis. Agent A is connected to server 1 and agent B to server 2; plan
 * edits, chat messages and presence cross between them, end-to-end encrypted.
 *
 * The two processes share one store and so one deployment root (`shareDeployment`):
 * anna's code is registered and certified through server 1's admin API, berta's through
 * server 2's, each agent waits until it is certified, and each verifies the other's
 * certificates, served by the other process from the shared store.
 *
 * Runs when MONGODB_URI is set (CI: FerretDB v1 from .ci/ferretdb.sh). FerretDB v1 runs
 * conditional updates as read-then-write, so the workspace sequence, clocks and the
 * snapshot chain are not atomic across processes there (server/src/store/mongo/store.ts);
 * this test therefore lets the two agents write one after the other, never at the same
 * instant. On MongoDB (the docker-compose replica set) those updates are atomic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { logResponseSchema } from '@yhteispoyta/crypto/protocol';
import { verifyTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import { AgentHost, createSessionFactory } from '@yhteispoyta/agent/agent';
import type { AgentSession } from '@yhteispoyta/agent/agent';
import { LOCAL_EDIT } from '@yhteispoyta/agent/sync/doc-origin';
import { testConfig } from '@yhteispoyta/agent/api/test-agent.testkit';
import { certifyTestLog, issueProfessionalCode, shareDeployment, TEST_ADMIN_TOKEN } from '@yhteispoyta/server/http/certified.testkit';
import { startRedisServer } from '@yhteispoyta/server/scale-out/redis-process.testkit';
import type { RedisProcess } from '@yhteispoyta/server/scale-out/redis-process.testkit';
import { freePort } from '@yhteispoyta/server/scale-out/redis-process.testkit';
import { startServerProcess } from './server-process.testkit';
import type { ServerProcess } from './server-process.testkit';

const baseUri = process.env['MONGODB_URI'];
if (!baseUri) throw new Error('two-servers.mongo.test.ts needs MONGODB_URI (eval "$(bash .ci/ferretdb.sh)")');
const dbName = `yp_scaleout_${process.pid}_${toHex(randomBytes(4))}`;

/** MONGODB_URI with this run's own database as its path. */
function uriWithDatabase(uri: string, name: string): string {
  const url = new URL(uri);
  url.pathname = `/${name}`;
  return url.toString();
}

let dir: string;
let redis: RedisProcess;
const servers: ServerProcess[] = [];
const hosts: AgentHost[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-two-servers-'));
  redis = await startRedisServer();
  const env = {
    HOST: '127.0.0.1',
    STORE: 'mongo',
    MONGODB_URI: uriWithDatabase(baseUri, dbName),
    REDIS_URL: redis.url,
    // The testkit certifies professionals through the admin API with this token.
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    // One transparency log key for both: they sign heads of the same log.
    LOG_KEY_FILE: join(dir, 'log-key.pem'),
    RATE_PER_IP_PER_MINUTE: '100000',
    RATE_PER_DEVICE_PER_MINUTE: '100000',
  };
  // One after the other: the first creates the collections and indexes.
  servers.push(await startServerProcess({ ...env, PORT: String(await freePort()) }));
  servers.push(await startServerProcess({ ...env, PORT: String(await freePort()) }));
  const [one, two] = servers;
  if (one !== undefined && two !== undefined) shareDeployment(two, one);
  // As create-org leaves it (one store, one log key file: the certificate holds for both).
  if (one !== undefined) await certifyTestLog(one);
}, 120_000);

afterAll(async () => {
  for (const host of hosts) await host.close();
  for (const server of servers) await server.close();
  await redis?.close();
  const admin = mongoose.createConnection(baseUri, { serverSelectionTimeoutMS: 10_000 });
  await admin.useDb(dbName).dropDatabase();
  await admin.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/**
 * An in-process agent (weak test KDF) of a professional of `orgId` enrolled at `server`
 * with a code registered through that server's admin API, then certified there as the
 * organisation's admin tool does; resolves once the agent knows itself certified.
 */
async function agent(name: string, server: ServerProcess, orgId: string | undefined, role: 'social_worker' | 'health_professional'): Promise<{ session: AgentSession; userId: string; orgId: string }> {
  const displayName = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  const issued = await issueProfessionalCode(server, { ...(orgId === undefined ? {} : { orgId }), role, displayName });
  const serverUrl = server.url;
  const code = issued.code;
  const host = new AgentHost({ config: testConfig(join(dir, name), serverUrl), factory: createSessionFactory(), unsafeWeakKdfForTests: true });
  hosts.push(host);
  const created = await host.createProfile(name, `${name} ja kolme kiveä rannalla`);
  if (!created.ok) throw new Error(created.message);
  const enrolled = await host.enrol(code);
  if (!enrolled.ok) throw new Error(enrolled.message);
  const session = host.session();
  if (session === undefined) throw new Error(`${name} has no session`);
  await expect.poll(() => session.parts.link.status(), { timeout: 20_000 }).toBe('online');
  expect(session.parts.devices.certification().state).toBe('pending');
  await issued.certify();
  await expect.poll(() => session.parts.devices.certification().state, { timeout: 20_000 }).toBe('certified');
  return { session, userId: issued.userId, orgId: issued.orgId };
}

describe('two server processes, one MongoDB, one Redis', () => {
  it('plan edits, chat and presence cross between agents on different servers', async () => {
    const [one, two] = servers;
    if (one === undefined || two === undefined) throw new Error('servers did not start');
    expect(one.url).not.toBe(two.url);
    // The organisation is registered through server 1; berta's code through server 2 finds it in the shared store.
    const anna = await agent('anna', one, undefined, 'social_worker');
    const berta = await agent('berta', two, anna.orgId, 'health_professional');
    const a = anna.session;
    const b = berta.session;

    // A's membership change goes through server 1; B's key arrives through server 2's mailbox.
    const { workspaceId } = await a.parts.membership.create('case', 'Asiakas');
    await a.parts.membership.addMember(workspaceId, berta.userId);
    await expect.poll(() => b.parts.keys.currentEpoch(workspaceId)?.epoch, { timeout: 30_000 }).toBe(1);

    const docA = await a.parts.documents.open(workspaceId, 'doc:plan');
    const docB = await b.parts.documents.open(workspaceId, 'doc:plan');
    docA.transact(() => docA.getText('plan').insert(0, 'Tavoite: kuntoutus'), LOCAL_EDIT);
    await expect.poll(() => docB.getText('plan').toString(), { timeout: 30_000 }).toBe('Tavoite: kuntoutus');
    docB.transact(() => docB.getText('plan').insert(0, 'Sovittu. '), LOCAL_EDIT);
    await expect.poll(() => docA.getText('plan').toString(), { timeout: 30_000 }).toBe('Sovittu. Tavoite: kuntoutus');
    await expect
      .poll(async () => (await a.parts.documents.stateHash(workspaceId, 'doc:plan')) === (await b.parts.documents.stateHash(workspaceId, 'doc:plan')), { timeout: 30_000 })
      .toBe(true);

    await a.parts.chat.send(workspaceId, 'Tapaaminen torstaina?');
    await expect
      .poll(async () => (await b.parts.chat.list(workspaceId)).map((m) => ({ text: m.text, verified: m.verified })), { timeout: 30_000 })
      .toEqual([{ text: 'Tapaaminen torstaina?', verified: true }]);
    await b.parts.chat.send(workspaceId, 'Sopii.');
    await expect.poll(async () => (await a.parts.chat.list(workspaceId)).map((m) => m.text), { timeout: 30_000 }).toEqual(['Tapaaminen torstaina?', 'Sopii.']);

    // Presence is never stored: it only crosses through the Redis fan-out.
    const seen: { from: string; update: Uint8Array }[] = [];
    const off = a.parts.documents.onPresence((ws, stream, from, update) => {
      if (ws === workspaceId && stream === 'doc:plan') seen.push({ from: from.userId, update });
    });
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalStateField('user', { name: 'Berta', color: '#8250df' });
    const update = encodeAwarenessUpdate(awareness, [awareness.clientID]);
    await expect
      .poll(async () => {
        await b.parts.documents.sendPresence(workspaceId, 'doc:plan', update);
        return seen.length;
      }, { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(0);
    off();
    awareness.destroy();
    expect(seen[0]?.from).toBe(berta.userId);
    expect(Buffer.from(seen[0]?.update ?? []).equals(Buffer.from(update))).toBe(true);

    for (const host of hosts) expect(host.problems.list()).toEqual([]);

    // Both processes serve one transparency log, under one key: what was certified through
    // either is in the head of the other.
    const logOf = async (server: ServerProcess) => logResponseSchema.parse(await (await fetch(`${server.url}/v1/log`)).json());
    const [logOne, logTwo] = [await logOf(one), await logOf(two)];
    expect(logTwo.logKey).toBe(logOne.logKey);
    expect(logOne.head.treeSize).toBeGreaterThanOrEqual(5);
    expect({ treeSize: logTwo.head.treeSize, rootHash: logTwo.head.rootHash }).toEqual({ treeSize: logOne.head.treeSize, rootHash: logOne.head.rootHash });
    expect(verifyTreeHead(logTwo.head, logOne.logKey)).toEqual(logTwo.head);
  }, 180_000);
});
