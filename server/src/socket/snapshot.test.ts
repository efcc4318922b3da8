/**
 * `snapshot` and the catch-up of `join` (docs/design.md §6): compare-and-set on the active
 * snapshot, coverage of the updates on the parent, the parentProof chain, and what a
 * joining device is sent depending on where it stands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket as ClientSocket } from 'socket.io-client';
import { joinAckSchema, SERVER_EVENT_SCHEMAS, snapshotAckSchema } from '@yhteispoyta/crypto/protocol';
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import { encodeWireEnvelope } from '@yhteispoyta/crypto/envelope';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';
import { connectAs, createTestWorkspace, enrolDevice, nextEvent, proofAfter, request, seal, startTestServer } from './relay.testkit';
import type { TestDevice, TestServer } from './relay.testkit';

let server: TestServer;
let alice: TestDevice;
let bob: TestDevice;
let aliceSocket: ClientSocket;
let bobSocket: ClientSocket;

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob] = [await enrolDevice(server), await enrolDevice(server)];
  aliceSocket = await connectAs(server, alice);
  bobSocket = await connectAs(server, bob);
});

afterAll(async () => {
  aliceSocket.close();
  bobSocket.close();
  await server.close();
});

async function snapshot(socket: ClientSocket, envelope: WireEnvelope) {
  return snapshotAckSchema.parse(await request(socket, 'snapshot', { envelope }));
}

async function update(socket: ClientSocket, author: TestDevice, workspaceId: string, clock: number, snapshotId = ''): Promise<number> {
  const ack = (await request(socket, 'push', { envelope: seal(author, { workspaceId, clock, snapshotId }) })) as { ok: boolean; seq?: number };
  if (!ack.ok || ack.seq === undefined) throw new Error(`push refused: ${JSON.stringify(ack)}`);
  return ack.seq;
}

const key = (device: TestDevice): string => `${device.ref.userId}.1`;

function sameEnvelope(a: WireEnvelope | undefined, b: WireEnvelope | undefined): boolean {
  return a !== undefined && b !== undefined && bytesEqual(encodeWireEnvelope(a), encodeWireEnvelope(b));
}

describe('snapshot', () => {
  it('of two concurrent snapshots on the same parent, exactly one wins; the loser learns the winner', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    const fromAlice = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 'by-alice' });
    const fromBob = seal(bob, { workspaceId, kind: 'snapshot', snapshotId: 'by-bob' });
    const [a, b] = await Promise.all([snapshot(aliceSocket, fromAlice), snapshot(bobSocket, fromBob)]);
    const winners = [a, b].filter((ack) => ack.ok);
    const losers = [a, b].flatMap((ack) => (ack.ok ? [] : [ack.error]));
    expect(winners).toHaveLength(1);
    const winnerId = a.ok ? 'by-alice' : 'by-bob';
    expect(losers).toEqual([expect.objectContaining({ code: 'stale_snapshot', details: { activeSnapshotId: winnerId } })]);
    expect((await server.ctx.store.envelopes.listSnapshots(workspaceId, 'doc:plan')).map((s) => s.snapshotId)).toEqual([winnerId]);
  });

  it('must cover every update on its parent, or it is stale with reason not_covering', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    await update(aliceSocket, alice, workspaceId, 1);
    await update(aliceSocket, alice, workspaceId, 2);
    const partial = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 's1', coveredClocks: { [key(alice)]: 1 } });
    const ack = await snapshot(aliceSocket, partial);
    expect(ack.ok ? null : ack.error).toMatchObject({
      code: 'stale_snapshot',
      details: { activeSnapshotId: '', reason: 'not_covering', authorKey: key(alice), required: 2 },
    });
    const full = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 's1', coveredClocks: { [key(alice)]: 2 } });
    expect((await snapshot(aliceSocket, full)).ok).toBe(true);
  });

  it('must carry the parentProof that extends its parent', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    const first = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 'first' });
    expect((await snapshot(aliceSocket, first)).ok).toBe(true);
    const wrongProof = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 'second', parentSnapshotId: 'first' });
    const refused = await snapshot(aliceSocket, wrongProof);
    expect(refused.ok ? null : refused.error.code).toBe('bad_request');
    const second = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 'second', parentSnapshotId: 'first', parentProof: proofAfter(first) });
    expect((await snapshot(aliceSocket, second)).ok).toBe(true);
    expect((await server.ctx.store.envelopes.listSnapshots(workspaceId, 'doc:plan')).map((s) => s.snapshotId)).toEqual(['first', 'second']);
  });

  it('refuses a repeated snapshot id as conflict, and updates on a superseded snapshot as stale', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    const first = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 'one' });
    expect((await snapshot(aliceSocket, first)).ok).toBe(true);
    const again = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 'one', parentSnapshotId: 'one', parentProof: proofAfter(first) });
    const duplicate = await snapshot(aliceSocket, again);
    expect(duplicate.ok ? null : duplicate.error).toMatchObject({ code: 'conflict', details: { reason: 'duplicate_snapshot' } });
    const old = await request(aliceSocket, 'push', { envelope: seal(alice, { workspaceId, clock: 1, snapshotId: '' }) });
    expect(old).toMatchObject({ ok: false, error: { code: 'stale_snapshot', details: { activeSnapshotId: 'one' } } });
  });

  it('is fanned out to the other members of the room', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    await request(bobSocket, 'join', { workspaceId, positions: {} });
    const notice = nextEvent(bobSocket, 'envelope');
    const envelope = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 'shared' });
    expect((await snapshot(aliceSocket, envelope)).ok).toBe(true);
    const received = SERVER_EVENT_SCHEMAS.envelope.parse(await notice);
    expect(sameEnvelope(received.stored.envelope, envelope)).toBe(true);
  });
});

describe('join catch-up', () => {
  it('sends the active snapshot and all its updates to a device behind, and only newer updates to one up to date', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    await update(aliceSocket, alice, workspaceId, 1);
    const base = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 'base', coveredClocks: { [key(alice)]: 1 } });
    expect((await snapshot(aliceSocket, base)).ok).toBe(true);
    const seq2 = await update(aliceSocket, alice, workspaceId, 2, 'base');
    const seq3 = await update(aliceSocket, alice, workspaceId, 3, 'base');
    // A chat message is another stream: it must not be mixed into the plan's catch-up.
    expect(await request(aliceSocket, 'push', { envelope: seal(alice, { workspaceId, kind: 'chat', clock: 1 }) })).toMatchObject({ ok: true });
    const behind = joinAckSchema.parse(
      await request(bobSocket, 'join', { workspaceId, positions: { 'doc:plan': { snapshotId: '', afterSeq: 999 } } }),
    );
    if (!behind.ok) throw new Error(behind.error.code);
    const plan = behind.streams['doc:plan'];
    expect(sameEnvelope(plan?.snapshot?.envelope, base)).toBe(true);
    expect(plan?.envelopes.map((e) => e.seq)).toEqual([seq2, seq3]);
    expect(behind.membershipSeq).toBe(1);

    const current = joinAckSchema.parse(
      await request(bobSocket, 'join', { workspaceId, positions: { 'doc:plan': { snapshotId: 'base', afterSeq: seq2 } } }),
    );
    if (!current.ok) throw new Error(current.error.code);
    expect(current.streams['doc:plan']?.snapshot).toBeNull();
    expect(current.streams['doc:plan']?.envelopes.map((e) => e.seq)).toEqual([seq3]);
    const audit = await server.ctx.store.audit.queryAudit({ workspaceId, actor: bob.ref, limit: 10 });
    expect(audit.filter((e) => e.action === 'join')).toHaveLength(2);
  });
});
