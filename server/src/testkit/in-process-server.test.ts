/**
 * The in-process server itself: two certified devices join, push, fetch and receive
 * notices through the real relay core; the interceptor drops, alters and replays; what it
 * drops is judged a clock gap by the real rules, on the server's side (the store) and on
 * a reader's (crypto's stream-rules); REST, blobs, removals and retention work as on the
 * real server; the agent's own HTTP client reaches the REST API through `fetch`; a request
 * can be answered without the core, and the operator can edit the store past the server.
 */
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { GENESIS_PROOF } from '@yhteispoyta/crypto/envelope';
import { ackFailureSchema, CLIENT_EVENT_SCHEMAS, envelopeFrame } from '@yhteispoyta/crypto/protocol';
import type { EnvelopeNotice } from '@yhteispoyta/crypto/protocol';
import { judgeEnvelopeClock } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey } from '@yhteispoyta/crypto/types';
import { RestError } from '@yhteispoyta/agent/contracts';
import { HttpRestClient } from '@yhteispoyta/agent/net/rest-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { proofAfter, seal } from '../socket/relay.testkit';
import type { TestDevice } from '../socket/relay.testkit';
import { chainDevice } from '../http/certified.testkit';
import { startInProcessServer } from './in-process-server.testkit';
import type { CertifiedDevice, InProcessLink, InProcessServer } from './in-process-server.testkit';

let server: InProcessServer;
let alice: CertifiedDevice;
let bob: CertifiedDevice;
let workspaceId: string;

/** A device as relay.testkit's `seal` takes it. */
const signer = (device: CertifiedDevice): TestDevice => ({
  ...device,
  member: { userId: device.ref.userId, orgId: device.orgId, role: device.role, owner: false, devices: [chainDevice(device)] },
});

const update = (device: CertifiedDevice, clock: number, snapshotId = '') => seal(signer(device), { workspaceId, clock, snapshotId });

function envelopesOf(link: InProcessLink): EnvelopeNotice[] {
  const seen: EnvelopeNotice[] = [];
  link.onNotice('envelope', (notice) => void seen.push(notice));
  return seen;
}

async function join(link: InProcessLink): Promise<void> {
  const ack = await link.request('join', { workspaceId, positions: { 'doc:plan': { snapshotId: '', afterSeq: 0 } } });
  expect(ack.ok).toBe(true);
}

beforeEach(async () => {
  server = await startInProcessServer();
  alice = await server.enrolDevice();
  bob = await server.enrolDevice({ role: 'kela_expert' });
  workspaceId = await server.createWorkspace(alice, [bob]);
});

afterEach(async () => {
  await server.close();
});

describe('the in-process server', () => {
  it('relays through the real core: join, push, fan-out to the others, fetch', async () => {
    const a = server.link(alice);
    const b = server.link(bob);
    const toAlice = envelopesOf(a);
    const toBob = envelopesOf(b);
    await join(a);
    await join(b);
    expect([...b.rooms]).toEqual([workspaceId]);

    const pushed = CLIENT_EVENT_SCHEMAS.push.ack.parse(await a.request('push', { envelope: envelopeFrame(update(alice, 1)) }));
    expect(pushed).toEqual({ ok: true, seq: expect.any(Number) as number });
    await server.settle();
    expect(toBob.map((n) => [n.workspaceId, n.stream, n.stored.envelope.header.byteLength > 0])).toEqual([[workspaceId, 'doc:plan', true]]);
    expect(toAlice).toEqual([]);

    const fetched = await b.request('fetch', { workspaceId, stream: 'doc:plan', afterSeq: 0, limit: 10 });
    expect(fetched.ok && fetched.envelopes.map((e) => e.seq)).toEqual([pushed.ok && pushed.seq]);
    // The core's rules, not a copy: a replayed clock is refused by the store.
    const replay = ackFailureSchema.parse(await a.request('push', { envelope: envelopeFrame(update(alice, 1)) }));
    expect(replay.error).toMatchObject({ code: 'clock_replay', details: { expected: 2 } });
  });

  it('a dropped envelope is a clock gap to the server and to a reader', async () => {
    const a = server.link(alice);
    const b = server.link(bob);
    const toBob = envelopesOf(b);
    await join(a);
    await join(b);
    await a.request('push', { envelope: envelopeFrame(update(alice, 1)) });

    // The push of clock 2 never reaches the core: alice hears nothing back, and clock 3 is a gap.
    server.intercept = (t) => (t.kind === 'request' && t.event === 'push' && deviceKey(t.device) === deviceKey(alice.ref) ? 'drop' : undefined);
    expect(await a.request('push', { envelope: envelopeFrame(update(alice, 2)) })).toMatchObject({ ok: false, error: { code: 'offline' } });
    server.intercept = undefined;
    expect(ackFailureSchema.parse(await a.request('push', { envelope: envelopeFrame(update(alice, 3)) })).error).toMatchObject({ code: 'clock_gap', details: { expected: 2 } });

    // Now the notice of clock 2 to bob is dropped: the next one he sees skips a clock.
    server.intercept = (t) => (t.kind === 'notice' && t.event === 'envelope' && deviceKey(t.device) === deviceKey(bob.ref) ? 'drop' : undefined);
    expect((await a.request('push', { envelope: envelopeFrame(update(alice, 2)) })).ok).toBe(true);
    await server.settle();
    server.intercept = undefined;
    expect((await a.request('push', { envelope: envelopeFrame(update(alice, 3)) })).ok).toBe(true);
    await server.settle();
    expect(toBob).toHaveLength(2);
    const [first, last] = toBob;
    const judged = judgeEnvelopeClock({ clock: 3, lastClock: 1, seq: last?.stored.seq ?? 0, lastSeq: first?.stored.seq ?? 0, own: false });
    expect(judged).toBe('gap');
  });

  it('alters and replays notices and acks; invalid ones are ignored as the real link ignores them', async () => {
    const a = server.link(alice);
    const b = server.link(bob);
    const toBob = envelopesOf(b);
    await join(a);
    await join(b);
    server.intercept = (t) => {
      if (t.kind === 'notice' && t.event === 'envelope') return { repeat: 1 };
      if (t.kind === 'ack' && t.event === 'push') return { replace: { ok: true, seq: 0 } };
      return undefined;
    };
    // seq 0 is not a seq the protocol allows: the link answers bad_response, as the agent's link does.
    expect(await a.request('push', { envelope: envelopeFrame(update(alice, 1)) })).toMatchObject({ ok: false, error: { message: expect.stringContaining('bad_response') as string } });
    await server.settle();
    expect(toBob).toHaveLength(2);
    expect(judgeEnvelopeClock({ clock: 1, lastClock: 1, seq: toBob[1]?.stored.seq ?? 0, lastSeq: toBob[0]?.stored.seq ?? 0, own: false })).toBe('duplicate');
    server.intercept = (t) => (t.kind === 'notice' ? { replace: { workspaceId, stream: 'doc:plan', stored: 'garbage' } } : undefined);
    await a.request('push', { envelope: envelopeFrame(update(alice, 2)) });
    await server.settle();
    expect(toBob).toHaveLength(2);
    expect(b.invalidNotices).toEqual(['envelope']);
    // A notice injected past the interceptor (a replay of an old one) arrives as it is.
    server.intercept = undefined;
    const old = toBob[0];
    if (old === undefined) throw new Error('no notice');
    server.inject(b, 'envelope', old);
    await server.settle();
    expect(toBob).toHaveLength(3);
  });

  it('goes offline and back like a socket, and tells a removed member and evicts him from the room', async () => {
    const a = server.link(alice);
    const b = server.link(bob);
    const toBob = envelopesOf(b);
    const events: string[] = [];
    b.onOffline(() => events.push('offline'));
    b.onOnline(() => events.push('online'));
    await join(b);
    b.setOnline(false);
    expect(await b.request('fetch', { workspaceId, stream: 'doc:plan', afterSeq: 0, limit: 1 })).toMatchObject({ ok: false, error: { code: 'offline' } });
    b.setOnline(true);
    expect(events).toEqual(['offline', 'online']);
    expect(b.rooms.size).toBe(0);
    await join(a);
    await join(b);

    const revoked: unknown[] = [];
    const membership: unknown[] = [];
    b.onNotice('revoked', (n) => void revoked.push(n));
    a.onNotice('membership', (n) => void membership.push(n));
    const seq = await server.appendEvent(alice, workspaceId, 'remove_member', { userId: bob.ref.userId });
    await server.settle();
    expect(revoked).toMatchObject([{ workspaceId, reason: 'member_removed', event: { type: 'remove_member', workspaceId } }]);
    expect(membership).toEqual([{ workspaceId, seq }]);
    expect(b.rooms.size).toBe(0);
    await a.request('push', { envelope: envelopeFrame(update(alice, 1)) });
    await server.settle();
    expect(toBob).toEqual([]);
    expect(ackFailureSchema.parse(await b.request('join', { workspaceId, positions: {} })).error.code).toBe('forbidden');
  });

  it('answers REST through the real handlers, with blobs, refusals as RestError and logging in again on 401', async () => {
    const rest = server.rest(bob);
    expect((await rest.call('listWorkspaces', {})).workspaces.map((w) => w.workspaceId)).toEqual([workspaceId]);
    const bytes = randomBytes(1000);
    const uploaded = await rest.uploadBlob(workspaceId, (async function* () { yield bytes.slice(0, 400); yield bytes.slice(400); })(), bytes.byteLength);
    const downloaded = await server.rest(alice).downloadBlob(workspaceId, uploaded.blobId);
    const parts: Uint8Array[] = [];
    for await (const part of downloaded.chunks) parts.push(part);
    expect(Buffer.concat(parts)).toEqual(Buffer.from(bytes));
    await expect(server.rest().call('listWorkspaces', {})).rejects.toMatchObject({ code: 'unauthenticated' });
    const stranger = await server.enrolDevice();
    await expect(server.rest(stranger).call('listMembership', { params: { workspaceId }, query: {} })).rejects.toBeInstanceOf(RestError);
    // A stale token: the client logs in again with the device's identity.
    bob.token = 'expired-token-0123456789abcdefghijklmnop';
    expect((await rest.call('countPrekeys', {})).ec).toBeGreaterThanOrEqual(0);
    expect(bob.token).not.toBe('expired-token-0123456789abcdefghijklmnop');
    expect(await server.rest({ adminToken: server.secrets.values().next().value ?? '' }).call('verifyAudit', {})).toMatchObject({ intact: true });
  });

  it("answers the agent's own HTTP client through fetch (after the interceptor), answers a request on its own, and lets the operator edit the store", async () => {
    const tokens = { current: async () => bob.token, renew: async () => bob.token };
    const http = new HttpRestClient({ baseUrl: 'http://in-process.invalid', tokens, fetch: server.fetch });
    expect((await http.call('listWorkspaces', {})).workspaces.map((w) => w.workspaceId)).toEqual([workspaceId]);
    await expect(http.call('listMembership', { params: { workspaceId: 'nosuchworkspace' }, query: {} })).rejects.toMatchObject({ code: 'forbidden' });
    server.intercept = (t) => (t.kind === 'rest' && t.route === 'countPrekeys' ? 'drop' : undefined);
    await expect(http.call('countPrekeys', {})).rejects.toMatchObject({ code: 'offline' });
    server.intercept = (t) => (t.kind === 'rest' && t.route === 'countPrekeys' ? { replace: { ec: 7, kyber: 7 } } : undefined);
    expect(await http.call('countPrekeys', {})).toEqual({ ec: 7, kyber: 7 });
    server.intercept = undefined;
    const bytes = randomBytes(300_000);
    const { blobId } = await http.uploadBlob(workspaceId, (async function* () { yield bytes; })(), bytes.byteLength);
    const download = await http.downloadBlob(workspaceId, blobId);
    const parts: Uint8Array[] = [];
    for await (const part of download.chunks) parts.push(part);
    expect(download.size).toBe(bytes.byteLength);
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);

    const a = server.link(alice);
    await join(a);
    server.intercept = (t) => (t.kind === 'request' && t.event === 'push' ? { answer: { ok: false, error: { code: 'forbidden', message: 'no' } } } : undefined);
    expect(await a.request('push', { envelope: envelopeFrame(update(alice, 1)) })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    server.intercept = undefined;
    // The core never saw it: clock 1 is still free.
    expect((await a.request('push', { envelope: envelopeFrame(update(alice, 1)) })).ok).toBe(true);
    // The operator forgets alice's envelopes and clocks: clock 1 is free again.
    server.sql('DELETE FROM envelopes WHERE workspace_id = ?', workspaceId);
    server.sql('DELETE FROM stream_clocks WHERE workspace_id = ?', workspaceId);
    expect(server.sql('SELECT count(*) AS n FROM envelopes WHERE workspace_id = ?', workspaceId)).toEqual([{ n: 0 }]);
    expect((await a.request('push', { envelope: envelopeFrame(update(alice, 1)) })).ok).toBe(true);
  });

  it('runs retention; the active snapshot and its chain proof stay good for the next snapshot', async () => {
    const a = server.link(alice);
    await join(a);
    await a.request('push', { envelope: envelopeFrame(update(alice, 1)) });
    const s1 = seal(signer(alice), { workspaceId, kind: 'snapshot', snapshotId: 's1', coveredClocks: { [deviceKey(alice.ref)]: 1 } });
    expect((await a.request('snapshot', { envelope: envelopeFrame(s1) })).ok).toBe(true);
    const s2 = seal(signer(alice), { workspaceId, kind: 'snapshot', snapshotId: 's2', parentSnapshotId: 's1', parentProof: proofAfter(s1, GENESIS_PROOF) });
    expect((await a.request('snapshot', { envelope: envelopeFrame(s2) })).ok).toBe(true);
    // A week on: clock 1 is past the window and s1 shares its hour with s2.
    server.clockOffsetMs = 8 * 24 * 3600_000;
    expect(await server.runRetention()).toEqual({ prunedUpdates: 1, thinnedSnapshots: 1 });
    const s3 = seal(signer(alice), { workspaceId, kind: 'snapshot', snapshotId: 's3', parentSnapshotId: 's2', parentProof: proofAfter(s2, proofAfter(s1, GENESIS_PROOF)) });
    expect((await a.request('snapshot', { envelope: envelopeFrame(s3) })).ok).toBe(true);
  });
});
