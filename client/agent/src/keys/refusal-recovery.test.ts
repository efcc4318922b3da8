/**
 * Regressions (hostile-relay harness, test/hostile): after the server's chain answer was
 * refused, or a key could not be delivered, nothing tried again until the next notice,
 * reconnection or membership change. Now a refused chain is pulled again, and owed keys
 * are delivered again, each with backoff, by the device itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import type { Role } from '@yhteispoyta/crypto/types';
import type { RestClient } from '../contracts';
import { RestError } from '../contracts';
import { FakeKeysServer } from './fake-server.testkit';
import { makeTestDevice } from './test-device.testkit';
import type { TestDevice } from './test-device.testkit';

let dir: string;
let server: FakeKeysServer;
let opened: TestDevice[];
/** claims fail while true (a server refusing to hand out bundles) */
let refuseClaims = false;

function refusing(rest: RestClient): RestClient {
  return {
    ...rest,
    call: (route, input) => (refuseClaims && route === 'claimBundles' ? Promise.reject(new RestError('internal', 'no bundles now', 500)) : rest.call(route, input)),
  };
}

async function make(userId: string, role: Role, orgId: string): Promise<TestDevice> {
  const made = await makeTestDevice(dir, { userId, orgId, role }, server, { rest: (self) => refusing(server.restFor(self)) });
  opened.push(made);
  return made;
}


beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-keys-recovery-'));
  server = new FakeKeysServer();
  opened = [];
  refuseClaims = false;
});
afterEach(() => {
  for (const d of opened) {
    d.core.close();
    d.profile.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('recovery after a refusal, without outside help', () => {
  it('a forked chain answer is refused, and the honest chain is pulled again by itself', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    await make('dave', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    await alice.core.membership.addMember(workspaceId, 'carol');
    await carol.core.receiver.receive();
    const head = carol.core.sync.state(workspaceId)?.seq ?? -1;
    server.serveChain = (id) => (server.chains.get(id) ?? []).map((e) => (e.seq === head ? { ...e, at: e.at + 1 } : e));
    await alice.core.membership.addMember(workspaceId, 'dave');
    await carol.core.sync.syncWorkspace(workspaceId);
    expect(carol.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(carol.core.sync.state(workspaceId)?.seq).toBe(head);
    server.serveChain = undefined;
    await waitUntil('the repair', () => carol.core.sync.state(workspaceId)?.seq === head + 1, { timeoutMs: 5_000 });
    expect(carol.core.sync.state(workspaceId)?.members.has('dave')).toBe(true);
    expect(carol.problems.map((p) => p.code)).toEqual(['chain_invalid']);
  });

  it('a chain withheld short of a keyed epoch is refused, and once served the key is accepted by itself', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    await make('dave', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    await alice.core.membership.addMember(workspaceId, 'carol');
    await carol.core.receiver.receive();
    const served = server.chains.get(workspaceId)?.slice() ?? [];
    await alice.core.membership.addMember(workspaceId, 'dave');
    await alice.core.membership.removeMember(workspaceId, 'dave');
    server.serveChain = () => served;
    await carol.core.receiver.receive();
    expect(carol.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    server.serveChain = undefined;
    await waitUntil('the repair', () => carol.core.keyRing.epochKey(workspaceId, 2) !== undefined, { timeoutMs: 5_000 });
    const keys = [carol.core.keyRing.epochKey(workspaceId, 2), alice.core.keyRing.epochKey(workspaceId, 2)];
    expect(keys[0] !== undefined && keys[1] !== undefined && bytesEqual(keys[0], keys[1])).toBe(true);
    expect(carol.core.sync.state(workspaceId)?.members.has('dave')).toBe(false);
  });

  it('a key left owed because no bundle could be claimed is delivered later by itself', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    refuseClaims = true;
    await alice.core.membership.addMember(workspaceId, 'carol');
    expect(alice.problems.length).toBeGreaterThan(0);
    expect(alice.problems.every((p) => p.code === 'key_distribution')).toBe(true);
    expect(server.mailbox).toEqual([]);
    refuseClaims = false;
    await waitUntil('the repair', () => server.mailbox.some((m) => m.to.userId === 'carol'), { timeoutMs: 5_000 });
    await carol.core.receiver.receive();
    expect(carol.core.keyRing.currentEpoch(workspaceId)?.epoch).toBe(1);
  });
});
