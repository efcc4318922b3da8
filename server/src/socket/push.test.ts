/**
 * `push` end to end: what is stored and fanned out, and every rule that keeps an
 * envelope out of the store — forgery, foreign workspaces, impersonation, clocks,
 * snapshot references, epochs, kinds and closed workspaces.
 */
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Socket as ClientSocket } from 'socket.io-client';
import { pushAckSchema, SERVER_EVENT_SCHEMAS } from '@yhteispoyta/crypto/protocol';
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import { encodeWireEnvelope, MAX_CIPHERTEXT_BYTES } from '@yhteispoyta/crypto/envelope';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';
import {
  appendEvent,
  collect,
  connectAs,
  createTestWorkspace,
  enrolDevice,
  nextEvent,
  request,
  seal,
  settle,
  startTestServer,
} from './relay.testkit';
import type { TestDevice, TestServer } from './relay.testkit';
import { chainStateOf } from '../services/membership';

let server: TestServer;
let alice: TestDevice;
let bob: TestDevice;
let carol: TestDevice;
let aliceSocket: ClientSocket;
let bobSocket: ClientSocket;

beforeAll(async () => {
  server = await startTestServer();
  [alice, bob, carol] = [await enrolDevice(server), await enrolDevice(server), await enrolDevice(server)];
  aliceSocket = await connectAs(server, alice);
  bobSocket = await connectAs(server, bob);
});

afterAll(async () => {
  aliceSocket.close();
  bobSocket.close();
  await server.close();
});

async function push(socket: ClientSocket, envelope: WireEnvelope) {
  return pushAckSchema.parse(await request(socket, 'push', { envelope }));
}

async function join(socket: ClientSocket, workspaceId: string): Promise<void> {
  const ack = (await request(socket, 'join', { workspaceId, positions: {} })) as { ok: boolean };
  expect(ack.ok).toBe(true);
}

/** The stored envelopes of a stream, as (author, clock) pairs. */
async function storedClocks(workspaceId: string, stream: string): Promise<[string, number][]> {
  return (await server.ctx.store.envelopes.envelopesAfter(workspaceId, stream, 0, 1000)).map((e) => [e.authorKey, e.clock]);
}

function refusal(ack: Awaited<ReturnType<typeof push>>) {
  if (ack.ok) throw new Error('expected a refusal');
  return ack.error;
}

describe('a valid push', () => {
  it('is stored, acked with its seq, and fanned out to the room except the sender, each in one WebSocket frame', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    await join(aliceSocket, workspaceId);
    await join(bobSocket, workspaceId);
    const aliceSees = collect(aliceSocket, 'envelope');
    const envelope = seal(alice, { workspaceId, kind: 'update', clock: 1 });
    // Every engine.io message is one WebSocket frame: the notice and the ack are one each (socket-frames.ts).
    const frames = { bob: 0, alice: 0 };
    const countBob = () => void frames.bob++;
    const countAlice = () => void frames.alice++;
    bobSocket.io.engine.on('message', countBob);
    aliceSocket.io.engine.on('message', countAlice);
    const notice = nextEvent(bobSocket, 'envelope');
    const ack = await push(aliceSocket, envelope);
    if (!ack.ok) throw new Error(ack.error.code);
    const received = SERVER_EVENT_SCHEMAS.envelope.parse(await notice);
    bobSocket.io.engine.off('message', countBob);
    aliceSocket.io.engine.off('message', countAlice);
    expect(frames).toEqual({ bob: 1, alice: 1 });
    expect(received).toMatchObject({ workspaceId, stream: 'doc:plan', stored: { seq: ack.seq } });
    expect(bytesEqual(encodeWireEnvelope(received.stored.envelope), encodeWireEnvelope(envelope))).toBe(true);
    await settle(aliceSocket, workspaceId);
    expect(aliceSees).toEqual([]);
    const [stored] = await server.ctx.store.envelopes.envelopesAfter(workspaceId, 'doc:plan', 0, 10);
    expect(stored?.seq).toBe(ack.seq);
    expect(bytesEqual(stored?.bytes ?? new Uint8Array(), encodeWireEnvelope(envelope))).toBe(true);
  });

  it('leaves for the receivers before the store commits it: the frame is with the system when the store is told to go on', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    await join(aliceSocket, workspaceId);
    await join(bobSocket, workspaceId);
    const { envelopes } = server.ctx.store;
    const append = envelopes.appendEnvelope.bind(envelopes);
    // What happened between the store accepting the envelope and its COMMIT (which follows afterAccepted in the same run).
    const marks: string[] = [];
    let watching = false;
    // Every write of a TCP socket in this process (the server's ends included) goes through one of these.
    const socketProto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
    const writes = (['_write', '_writev'] as const).map((name) => {
      const original = socketProto[name];
      return vi.spyOn(socketProto, name).mockImplementation(function (this: Socket, ...args: unknown[]) {
        if (watching) marks.push('socket write');
        Reflect.apply(original, this, args);
      });
    });
    const spy = vi.spyOn(envelopes, 'appendEnvelope').mockImplementation((e, onAccepted, afterAccepted) =>
      append(
        e,
        (seq) => {
          watching = true;
          onAccepted?.(seq);
        },
        () => {
          afterAccepted?.();
          marks.push('commit may start');
          watching = false;
        },
      ),
    );
    const notice = nextEvent(bobSocket, 'envelope');
    const ack = await push(aliceSocket, seal(alice, { workspaceId, kind: 'update', clock: 1 }));
    spy.mockRestore();
    for (const write of writes) write.mockRestore();
    expect(ack.ok).toBe(true);
    await notice;
    expect(marks).toEqual(['socket write', 'commit may start']);
  });

  it('keeps the order of pushes sent without waiting for their acks, even when the first is slow', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    // The first push's store read takes longer than the others': handled concurrently,
    // clock 2 would reach the store before clock 1 and be refused as a gap.
    const { directory } = server.ctx.store;
    const getDevice = directory.getDevice.bind(directory);
    let reads = 0;
    const slowFirst = vi.spyOn(directory, 'getDevice').mockImplementation(async (ref) => {
      reads += 1;
      if (reads === 1) await new Promise((resolve) => setTimeout(resolve, 50));
      return getDevice(ref);
    });
    const acks = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((clock) => push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock }))),
    );
    slowFirst.mockRestore();
    const seqs = acks.map((ack) => (ack.ok ? ack.seq : ack.error.code));
    expect(seqs.every((seq) => typeof seq === 'number')).toBe(true);
    expect([...seqs].sort((a, b) => Number(a) - Number(b))).toEqual(seqs);
    expect((await storedClocks(workspaceId, 'chat')).map(([, clock]) => clock)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('pushes of one socket sent without waiting', () => {
  it('share a group commit, yet a fetch sent right behind them waits for their answers and sees them all', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    const { envelopes } = server.ctx.store;
    const append = envelopes.appendEnvelope.bind(envelopes);
    // Which pushes the store held at once: the next push goes in while the previous one waits for its commit.
    let waiting = 0;
    let most = 0;
    const spy = vi.spyOn(envelopes, 'appendEnvelope').mockImplementation(async (e, onAccepted) => {
      waiting += 1;
      most = Math.max(most, waiting);
      try {
        return await append(e, onAccepted);
      } finally {
        waiting -= 1;
      }
    });
    const pushes = [1, 2, 3, 4, 5, 6, 7, 8].map((clock) => push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock })));
    const fetched = request(aliceSocket, 'fetch', { workspaceId, stream: 'chat', afterSeq: 0, limit: 100 });
    const acks = await Promise.all(pushes);
    const answer = (await fetched) as { ok: boolean; envelopes?: { seq: number }[] };
    spy.mockRestore();
    expect(acks.every((ack) => ack.ok)).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(answer.ok).toBe(true);
    expect(answer.envelopes?.map((e) => e.seq)).toEqual(acks.map((ack) => (ack.ok ? ack.seq : 0)));
  });
});

describe('a push is refused and nothing is stored', () => {
  it('when the signature is not the header author’s (forged): bad_signature', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    // Bob signs a header that names Alice, and it is sent on Alice's own connection.
    const forged = seal(bob, { workspaceId, kind: 'chat', clock: 1, author: alice.ref });
    expect(refusal(await push(aliceSocket, forged)).code).toBe('bad_signature');
    expect(await storedClocks(workspaceId, 'chat')).toEqual([]);
  });

  it('when the device is not a member of the envelope’s workspace: forbidden', async () => {
    const bobsWorkspace = await createTestWorkspace(server, bob, carol);
    expect(refusal(await push(aliceSocket, seal(alice, { workspaceId: bobsWorkspace, kind: 'chat', clock: 1 }))).code).toBe('forbidden');
    expect(refusal(await push(aliceSocket, seal(alice, { workspaceId: 'no-such-workspace', kind: 'chat', clock: 1 }))).code).toBe(
      'forbidden',
    );
    expect(await storedClocks(bobsWorkspace, 'chat')).toEqual([]);
  });

  it('when the author is another device than the authenticated one, even correctly signed: forbidden', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    const bobsOwn = seal(bob, { workspaceId, kind: 'chat', clock: 1 });
    expect(refusal(await push(aliceSocket, bobsOwn)).code).toBe('forbidden');
    expect(await storedClocks(workspaceId, 'chat')).toEqual([]);
    // The same envelope on Bob's connection is his to push.
    expect((await push(bobSocket, bobsOwn)).ok).toBe(true);
  });

  it('on a clock gap and on a replay, with the expected clock', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    expect((await push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock: 1 }))).ok).toBe(true);
    expect(refusal(await push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock: 3 })))).toMatchObject({
      code: 'clock_gap',
      details: { expected: 2 },
    });
    expect(refusal(await push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock: 1 })))).toMatchObject({
      code: 'clock_replay',
      details: { expected: 2 },
    });
    expect(await storedClocks(workspaceId, 'chat')).toEqual([[`${alice.ref.userId}.1`, 1]]);
  });

  it('when an update builds on a snapshot that is not the active one: stale_snapshot', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    const ack = await push(aliceSocket, seal(alice, { workspaceId, kind: 'update', clock: 1, snapshotId: 'imagined' }));
    expect(refusal(ack)).toMatchObject({ code: 'stale_snapshot', details: { activeSnapshotId: '' } });
    expect(await storedClocks(workspaceId, 'doc:plan')).toEqual([]);
  });

  it('when it is not sealed under the current epoch: conflict with currentEpoch, also after a rotation', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    expect(refusal(await push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock: 1, epoch: 2 })))).toMatchObject({
      code: 'conflict',
      details: { currentEpoch: 1 },
    });
    await appendEvent(server, alice, workspaceId, 'remove_member', { userId: bob.ref.userId });
    await appendEvent(server, alice, workspaceId, 'rotate_epoch', { epoch: 2 });
    expect(refusal(await push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock: 1, epoch: 1 })))).toMatchObject({
      code: 'conflict',
      details: { currentEpoch: 2 },
    });
    expect(await storedClocks(workspaceId, 'chat')).toEqual([]);
    expect((await push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock: 1, epoch: 2 }))).ok).toBe(true);
  });

  it('when the chain head it names is past the chain, another head, or before its epoch began: bad_request', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    const headSeq = (await chainStateOf(server.ctx, workspaceId))?.seq ?? 0;
    const pastChain = seal(alice, { workspaceId, kind: 'chat', clock: 1, chainHead: { seq: headSeq + 1, hash: 'a'.repeat(64) } });
    expect(refusal(await push(aliceSocket, pastChain)).code).toBe('bad_request');
    const otherHead = seal(alice, { workspaceId, kind: 'chat', clock: 1, chainHead: { seq: headSeq, hash: 'a'.repeat(64) } });
    expect(refusal(await push(aliceSocket, otherHead)).code).toBe('bad_request');
    await appendEvent(server, alice, workspaceId, 'remove_member', { userId: bob.ref.userId });
    await appendEvent(server, alice, workspaceId, 'rotate_epoch', { epoch: 2 });
    const beforeEpoch = seal(alice, { workspaceId, kind: 'chat', clock: 1, epoch: 2, chainHead: { seq: headSeq, hash: 'a'.repeat(64) } });
    expect(refusal(await push(aliceSocket, beforeEpoch)).code).toBe('bad_request');
    expect(await storedClocks(workspaceId, 'chat')).toEqual([]);
    expect((await push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock: 1, epoch: 2 }))).ok).toBe(true);
  });

  it('when the kind does not belong to the event or the stream: bad_request', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    const snapshot = seal(alice, { workspaceId, kind: 'snapshot', snapshotId: 's1' });
    expect(refusal(await push(aliceSocket, snapshot)).code).toBe('bad_request');
    const presence = seal(alice, { workspaceId, kind: 'presence', clock: 1 });
    expect(refusal(await push(aliceSocket, presence)).code).toBe('bad_request');
    const updateOnChat = seal(alice, { workspaceId, kind: 'update', stream: 'chat', clock: 1 });
    expect(refusal(await push(aliceSocket, updateOnChat)).code).toBe('bad_request');
    const oddStream = seal(alice, { workspaceId, kind: 'update', stream: 'doc:../etc', clock: 1 });
    expect(refusal(await push(aliceSocket, oddStream)).code).toBe('bad_request');
    expect(await storedClocks(workspaceId, 'chat')).toEqual([]);
    expect(await storedClocks(workspaceId, 'doc:plan')).toEqual([]);
  });

  it('when the envelope is not one blob (the old four-field shape) or its blob is cut, padded or lies about a length: bad_request', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    const envelope = seal(alice, { workspaceId, kind: 'chat', clock: 1 });
    const blob = Buffer.from(encodeWireEnvelope(envelope));
    const fourFields = { header: Buffer.from(envelope.header), nonce: Buffer.from(envelope.nonce), ciphertext: Buffer.from(envelope.ciphertext), signature: Buffer.from(envelope.signature) };
    const lying = Buffer.from(blob);
    lying.writeUInt16BE(envelope.header.length + 1, 1);
    for (const sent of [fourFields, blob.subarray(0, blob.length - 1), Buffer.concat([blob, Buffer.from([0])]), lying, blob.toString('base64')]) {
      // emitWithAck directly: request() would encode a WireEnvelope object.
      const ack = pushAckSchema.parse(await aliceSocket.timeout(10_000).emitWithAck('push', { envelope: sent }));
      expect(refusal(ack).code).toBe('bad_request');
    }
    const tooLong = Buffer.from(blob);
    tooLong.writeUInt32BE(MAX_CIPHERTEXT_BYTES + 1, 3 + envelope.header.length + 12 + 64);
    expect(refusal(pushAckSchema.parse(await aliceSocket.timeout(10_000).emitWithAck('push', { envelope: tooLong }))).code).toBe('too_large');
    expect(await storedClocks(workspaceId, 'chat')).toEqual([]);
    // The same envelope as one intact blob is stored.
    expect((await push(aliceSocket, envelope)).ok).toBe(true);
  });

  it('when the header does not decode or a byte of the envelope was changed', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    const envelope = seal(alice, { workspaceId, kind: 'chat', clock: 1 });
    const header = new Uint8Array(envelope.header);
    header[header.length - 1] = 0xff;
    header[0] = 9;
    expect(refusal(await push(aliceSocket, { ...envelope, header })).code).toBe('bad_request');
    const ciphertext = new Uint8Array(envelope.ciphertext);
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 1;
    expect(refusal(await push(aliceSocket, { ...envelope, ciphertext })).code).toBe('bad_signature');
    expect(await storedClocks(workspaceId, 'chat')).toEqual([]);
  });

  it('when the workspace is closed: forbidden', async () => {
    const workspaceId = await createTestWorkspace(server, alice);
    await appendEvent(server, alice, workspaceId, 'close', {});
    expect(refusal(await push(aliceSocket, seal(alice, { workspaceId, kind: 'chat', clock: 1 }))).code).toBe('forbidden');
    expect(await storedClocks(workspaceId, 'chat')).toEqual([]);
  });
});

describe('reading back', () => {
  it('fetch pages through a stream after a seq, members only, audited', async () => {
    const workspaceId = await createTestWorkspace(server, alice, bob);
    const sent = [1, 2, 3].map((clock) => seal(alice, { workspaceId, kind: 'chat', clock }));
    const seqs: number[] = [];
    for (const envelope of sent) {
      const ack = await push(aliceSocket, envelope);
      if (ack.ok) seqs.push(ack.seq);
    }
    // Each envelope comes back as the blob the sender pushed (the store keeps it encoded).
    const page = (await request(bobSocket, 'fetch', { workspaceId, stream: 'chat', afterSeq: seqs[0], limit: 1 })) as {
      ok: true;
      envelopes: { seq: number; envelope: Uint8Array }[];
    };
    expect(page.envelopes.map((e) => e.seq)).toEqual([seqs[1]]);
    const [only] = page.envelopes;
    expect(only !== undefined && sent[1] !== undefined && bytesEqual(only.envelope, encodeWireEnvelope(sent[1]))).toBe(true);
    const audit = await server.ctx.store.audit.queryAudit({ workspaceId, actor: bob.ref, limit: 10 });
    expect(audit.map((e) => [e.action, e.detail.stream, e.detail.count])).toContainEqual(['fetch', 'chat', '1']);
  });
});
