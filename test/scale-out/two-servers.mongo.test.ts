/**
 * Scale-out (DESIGN §8): TWO server processes on one shared MongoDB store, fanning out
 * through one Redis. Agent A is connected to server 1 and agent B to server 2; plan
 * edits, chat messages and presence cross between them, end-to-end encrypted.
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
import { AgentHost, createSessionFactory } from '@yhteispoyta/agent/agent';
import type { AgentSession } from '@yhteispoyta/agent/agent';
import { testConfig } from '@yhteispoyta/agent/api/test-agent.testkit';
import { HttpRestClient } from '@yhteispoyta/agent/net/rest-client';
import { startRedisServer } from '@yhteispoyta/server/scale-out/redis-process.testkit';
import type { RedisProcess } from '@yhteispoyta/server/scale-out/redis-process.testkit';
import { freePort } from '@yhteispoyta/server/scale-out/redis-process.testkit';
import { startServerProcess } from './server-process.testkit';
import type { ServerProcess } from './server-process.testkit';

const ADMIN_TOKEN = 'scale-out-admin-token-0123456789abcdef';
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
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    RATE_PER_IP_PER_MINUTE: '100000',
    RATE_PER_DEVICE_PER_MINUTE: '100000',
  };
  // One after the other: the first creates the collections and indexes.
  servers.push(await startServerProcess({ ...env, PORT: String(await freePort()) }));
  servers.push(await startServerProcess({ ...env, PORT: String(await freePort()) }));
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

/** An in-process agent (weak test KDF) enrolled at `serverUrl` with a code. */
async function agent(name: string, serverUrl: string, code: string): Promise<AgentSession> {
  const host = new AgentHost({ config: testConfig(join(dir, name), serverUrl), factory: createSessionFactory(), unsafeWeakKdfForTests: true });
  hosts.push(host);
  const created = await host.createProfile(name, `${name} salasana`);
  if (!created.ok) throw new Error(created.message);
  const enrolled = await host.enrol(code);
  if (!enrolled.ok) throw new Error(enrolled.message);
  const session = host.session();
  if (session === undefined) throw new Error(`${name} has no session`);
  await expect.poll(() => session.parts.link.status(), { timeout: 20_000 }).toBe('online');
  return session;
}

describe('two server processes, one MongoDB, one Redis', () => {
  it('plan edits, chat and presence cross between agents on different servers', async () => {
    const [one, two] = servers;
    if (one === undefined || two === undefined) throw new Error('servers did not start');
    expect(one.url).not.toBe(two.url);
    const admin = new HttpRestClient({ baseUrl: one.url, adminToken: ADMIN_TOKEN });
    const { orgId } = await admin.call('createOrg', { body: { name: 'Hyvinvointialue' } });
    const annaCode = await admin.call('issueEnrolmentCode', { body: { orgId, role: 'social_worker', displayName: 'Anna' } });
    const bertaCode = await admin.call('issueEnrolmentCode', { body: { orgId, role: 'health_professional', displayName: 'Berta' } });
    const a = await agent('anna', one.url, annaCode.code);
    const b = await agent('berta', two.url, bertaCode.code);

    // A's membership change goes through server 1; B's key arrives through server 2's mailbox.
    const { workspaceId } = await a.parts.membership.create('case', 'Asiakas');
    await a.parts.membership.addMember(workspaceId, bertaCode.userId);
    await expect.poll(() => b.parts.keys.currentEpoch(workspaceId)?.epoch, { timeout: 30_000 }).toBe(1);

    const docA = await a.parts.documents.open(workspaceId, 'doc:plan');
    const docB = await b.parts.documents.open(workspaceId, 'doc:plan');
    docA.getText('plan').insert(0, 'Tavoite: kuntoutus');
    await expect.poll(() => docB.getText('plan').toString(), { timeout: 30_000 }).toBe('Tavoite: kuntoutus');
    docB.getText('plan').insert(0, 'Sovittu. ');
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
    expect(seen[0]?.from).toBe(bertaCode.userId);
    expect(Buffer.from(seen[0]?.update ?? []).equals(Buffer.from(update))).toBe(true);

    for (const host of hosts) expect(host.problems.list()).toEqual([]);
  }, 180_000);
});
