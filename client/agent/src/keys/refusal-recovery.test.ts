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
import type { ProfessionalRole } from '@yhteispoyta/crypto/certificates/types';
import type { DeviceRef, MembershipEvent } from '@yhteispoyta/crypto/types';
import { startInProcessServer } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { InProcessServer, Interceptor } from '@yhteispoyta/server/testkit/in-process-server.testkit';
import type { RestClient } from '../contracts';
import { RestError } from '../contracts';
import { makeTestDevice } from './test-device.testkit';
import type { TestDevice } from './test-device.testkit';

let dir: string;
let server: InProcessServer;
let opened: TestDevice[];
/** claims fail while true (a server refusing to hand out bundles) */
let refuseClaims = false;

function refusing(rest: RestClient): RestClient {
  return {
    ...rest,
    call: (route, input) => (refuseClaims && route === 'claimBundles' ? Promise.reject(new RestError('internal', 'no bundles now', 500)) : rest.call(route, input)),
    uploadBlob: (...args) => rest.uploadBlob(...args),
    downloadBlob: (...args) => rest.downloadBlob(...args),
  };
}

async function make(name: string, role: ProfessionalRole, orgId: string): Promise<TestDevice> {
  const made = await makeTestDevice(dir, server, { name, orgId, role }, { rest: refusing });
  opened.push(made);
  return made;
}

/** An interceptor: `reader`'s membership answers are changed by `serve`, as a server rewriting them. */
function serveChain(reader: DeviceRef, serve: (events: MembershipEvent[]) => MembershipEvent[]): Interceptor {
  return (t) => {
    if (t.kind !== 'rest' || t.route !== 'listMembership' || t.device?.userId !== reader.userId) return undefined;
    return { replace: { events: serve((t.response as { events: MembershipEvent[] }).events) } };
  };
}

/** What waits in a device's mailbox at the server. */
async function mailbox(device: DeviceRef): Promise<number> {
  return server.ctx.store.mailbox.mailboxCount(device);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-keys-recovery-'));
  server = await startInProcessServer();
  opened = [];
  refuseClaims = false;
});
afterEach(async () => {
  for (const d of opened) {
    d.core.close();
    d.profile.close();
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('recovery after a refusal, without outside help', () => {
  it('a forked chain answer is refused, and the honest chain is pulled again by itself', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const dave = await make('dave', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    await carol.core.receiver.receive();
    const head = carol.core.sync.state(workspaceId)?.seq ?? -1;
    // The server alters the event carol holds as her head wherever it serves it to her.
    server.intercept = serveChain(carol.device.self, (events) => events.map((e) => (e.seq === head ? { ...e, at: e.at + 1 } : e)));
    await alice.core.membership.addMember(workspaceId, dave.device.self.userId);
    await carol.core.sync.syncWorkspace(workspaceId);
    expect(carol.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    expect(carol.core.sync.state(workspaceId)?.seq).toBe(head);
    server.intercept = undefined;
    await waitUntil('the repair', () => carol.core.sync.state(workspaceId)?.seq === head + 1, { timeoutMs: 5_000 });
    expect(carol.core.sync.state(workspaceId)?.members.has(dave.device.self.userId)).toBe(true);
    expect(carol.problems.map((p) => p.code)).toEqual(['chain_invalid']);
  });

  it('a chain withheld short of a keyed epoch is refused, and once served the key is accepted by itself', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const dave = await make('dave', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    await carol.core.receiver.receive();
    const served = carol.core.sync.state(workspaceId)?.seq ?? -1;
    await alice.core.membership.addMember(workspaceId, dave.device.self.userId);
    await alice.core.membership.removeMember(workspaceId, dave.device.self.userId);
    // The server withholds every event after the ones carol already holds.
    server.intercept = serveChain(carol.device.self, (events) => events.filter((e) => e.seq <= served));
    await carol.core.receiver.receive();
    expect(carol.problems.map((p) => p.code)).toEqual(['chain_invalid']);
    server.intercept = undefined;
    await waitUntil('the repair', () => carol.core.keyRing.epochKey(workspaceId, 2) !== undefined, { timeoutMs: 5_000 });
    const keys = [carol.core.keyRing.epochKey(workspaceId, 2), alice.core.keyRing.epochKey(workspaceId, 2)];
    expect(keys[0] !== undefined && keys[1] !== undefined && bytesEqual(keys[0], keys[1])).toBe(true);
    expect(carol.core.sync.state(workspaceId)?.members.has(dave.device.self.userId)).toBe(false);
  });

  it('a key left owed because no bundle could be claimed is delivered later by itself', async () => {
    const alice = await make('alice', 'social_worker', 'sote');
    const carol = await make('carol', 'kela_expert', 'kela');
    const { workspaceId } = await alice.core.membership.create('consultation', 'Konsultaatio');
    refuseClaims = true;
    await alice.core.membership.addMember(workspaceId, carol.device.self.userId);
    expect(alice.problems.length).toBeGreaterThan(0);
    expect(alice.problems.every((p) => p.code === 'key_distribution')).toBe(true);
    expect(server.sql('SELECT count(*) AS n FROM mailbox')).toEqual([{ n: 0 }]);
    refuseClaims = false;
    await waitUntil('the repair', async () => (await mailbox(carol.device.self)) > 0, { timeoutMs: 5_000 });
    await carol.core.receiver.receive();
    expect(carol.core.keyRing.currentEpoch(workspaceId)?.epoch).toBe(1);
  });
});
