/**
 * Two sync engines against the real server (startServer on 127.0.0.1 port 0, sqlite in
 * memory) over real socket.io and REST: the colleagues' SocketServerLink and
 * HttpRestClient, devices enrolled and logged in by the server's test support, a
 * membership chain they signed, and a KeyRing holding that chain and one epoch key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { chainStateOf } from '@yhteispoyta/server/services/membership';
import { createTestWorkspace, enrolDevice, startTestServer } from '@yhteispoyta/server/socket/relay.testkit';
import type { TestDevice, TestServer } from '@yhteispoyta/server/socket/relay.testkit';
import type { NewProblem } from '../contracts';
import { HttpRestClient } from '../net/rest-client';
import { SocketServerLink } from '../net/server-link';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { startSync } from '../start-sync';
import type { SyncServices } from '../start-sync';
import { FakeKeyRing } from './testkit/fake-key-ring';
import { edit } from './testkit/local-edit';

interface Agent {
  readonly device: TestDevice;
  readonly link: SocketServerLink;
  readonly profile: ProfileDb;
  readonly sync: SyncServices;
  readonly problems: NewProblem[];
}

let server: TestServer;
let dir: string;
let workspaceId: string;
const agents: Agent[] = [];

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startAgent(device: TestDevice, all: readonly TestDevice[], epochKey: Bytes): Promise<Agent> {
  const created = await createProfile(dir, device.ref.userId.toLowerCase(), 'salasana', { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  const problems: NewProblem[] = [];
  const sink = { report: (p: NewProblem) => void problems.push(p) };
  const tokens = { current: async () => device.token, renew: async () => device.token };
  const rest = new HttpRestClient({ baseUrl: server.url, tokens });
  const link = new SocketServerLink({ url: server.url, rest, tokens, problems: sink, reconnectDelayMs: 50 });
  const keys = new FakeKeyRing();
  for (const other of all) keys.trust(other.ref, other.identity.identityKeyPair.publicKey.serialize());
  const chain = await chainStateOf(server.ctx, workspaceId);
  if (chain === null) throw new Error('no chain');
  keys.setChain(chain);
  keys.addEpochKey(workspaceId, 1, epochKey);
  const sync = startSync({
    link,
    keys,
    device: {
      self: device.ref,
      orgId: device.member.orgId,
      role: device.member.role,
      displayName: device.ref.userId,
      identityKey: device.identity.identityKeyPair.privateKey,
      identityPublicKey: device.identity.identityKeyPair.publicKey,
    },
    problems: sink,
    profile: created.profile,
    config: { mergeWindowMs: 10, compactionThreshold: 6, compactionJitterMs: 0 },
  });
  await until('the link to come online', () => link.status() === 'online');
  return { device, link, profile: created.profile, sync, problems };
}

beforeAll(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'yp-sync-real-'));
  const devices = [await enrolDevice(server), await enrolDevice(server)];
  const [owner, member] = devices as [TestDevice, TestDevice];
  workspaceId = await createTestWorkspace(server, owner, member);
  const epochKey = randomBytes(32);
  for (const device of devices) agents.push(await startAgent(device, devices, epochKey));
});

afterAll(async () => {
  for (const agent of agents) {
    await agent.sync.close();
    await agent.link.close();
    agent.profile.close();
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two agents on the real server', () => {
  it('converge on concurrent edits, snapshot the plan, and chat with an attachment', async () => {
    const [a, b] = agents as [Agent, Agent];
    const [da, db] = [await a.sync.documents.open(workspaceId, 'doc:plan'), await b.sync.documents.open(workspaceId, 'doc:plan')];
    for (let round = 0; round < 5; round++) {
      edit(da.getText('t'), (x) => x.insert(0, `A${round} `));
      edit(db.getText('t'), (x) => x.insert(x.length, ` B${round}`));
      await Promise.all([a.sync.documents.flush(), b.sync.documents.flush()]);
    }
    await until('the documents to converge', async () => {
      await Promise.all([a.sync.documents.flush(), b.sync.documents.flush()]);
      const [ha, hb] = await Promise.all([a.sync.documents.stateHash(workspaceId, 'doc:plan'), b.sync.documents.stateHash(workspaceId, 'doc:plan')]);
      return ha === hb && da.getText('t').toString().includes('B4') && db.getText('t').toString().includes('A4');
    });
    expect(da.getText('t').toString()).toBe(db.getText('t').toString());
    // Ten updates passed the threshold of six: the server holds a snapshot of the plan.
    const state = await server.ctx.store.envelopes.latestState(workspaceId, 'doc:plan');
    expect(state.snapshot).not.toBeNull();

    await a.sync.chat.list(workspaceId);
    await b.sync.chat.list(workspaceId);
    const bytes = randomBytes(300_000);
    const ref = await a.sync.chat.uploadAttachment(workspaceId, { name: 'lausunto.pdf', type: 'application/pdf', bytes });
    await a.sync.chat.send(workspaceId, 'Lausunto liitteenä', [ref]);
    await until('the message to arrive', async () => (await b.sync.chat.list(workspaceId)).length === 1);
    const [message] = await b.sync.chat.list(workspaceId);
    expect(message).toMatchObject({ text: 'Lausunto liitteenä', author: a.device.ref, pending: false, verified: true });
    const attached = message?.attachments[0];
    if (attached === undefined) throw new Error('no attachment');
    const downloaded = await b.sync.chat.downloadAttachment(workspaceId, attached);
    expect(Buffer.from(downloaded).equals(bytes)).toBe(true);
    expect([...a.problems, ...b.problems]).toEqual([]);
  });
});
