/**
 * The chain cache reads the store once per workspace per turn of the event loop: a burst
 * of pushes shares one query; another process's append is seen from the next turn on;
 * this process's own appends at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash, signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { appendEvent, createTestWorkspace, enrolDevice, startTestServer } from '../socket/relay.testkit';
import type { TestDevice, TestServer } from '../socket/relay.testkit';
import { chainStateOf } from './membership';

let server: TestServer;
let owner: TestDevice;
let member: TestDevice;
let later: TestDevice;
let storeReads = 0;

/** Resolves in the next turn of the event loop (after its check phase). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

beforeAll(async () => {
  server = await startTestServer();
  owner = await enrolDevice(server);
  member = await enrolDevice(server);
  later = await enrolDevice(server);
  // Count the store's reads on the very store part the cache is keyed by.
  const workspaces = server.ctx.store.workspaces;
  const list = workspaces.listMembershipEvents.bind(workspaces);
  workspaces.listMembershipEvents = (...args) => {
    storeReads += 1;
    return list(...args);
  };
});

afterAll(async () => {
  await server.close();
});

describe('chain cache', () => {
  it('answers every read of one turn with one store query, and reads again in the next turn', async () => {
    const workspaceId = await createTestWorkspace(server, owner, member);
    await nextTurn();
    const before = storeReads;
    const states = await Promise.all(Array.from({ length: 10 }, () => chainStateOf(server.ctx, workspaceId)));
    expect(storeReads - before).toBe(1);
    expect(new Set(states.map((s) => s?.seq))).toEqual(new Set([1]));
    await nextTurn();
    await chainStateOf(server.ctx, workspaceId);
    expect(storeReads - before).toBe(2);
  });

  it("sees another process's append from the next turn on", async () => {
    const workspaceId = await createTestWorkspace(server, owner, member);
    await nextTurn();
    const state = await chainStateOf(server.ctx, workspaceId);
    if (state === null) throw new Error('no chain');
    // Written straight into the store, as another server process sharing it would.
    const unsigned = { workspaceId, seq: state.seq + 1, prevHash: state.headHash, type: 'add_member', payload: { member: later.member }, author: owner.ref, at: server.ctx.now() };
    const event = signEvent(unsigned as UnsignedMembershipEvent, owner.identity.identityKeyPair.privateKey);
    expect(await server.ctx.store.workspaces.appendMembershipEvent(workspaceId, { event, hash: eventHash(event) }, state.seq + 1, state.headHash)).toEqual({ ok: true });
    await nextTurn();
    const after = await chainStateOf(server.ctx, workspaceId);
    expect(after?.seq).toBe(state.seq + 1);
    expect(after?.members.has(later.member.userId)).toBe(true);
  });

  it("has this process's own append at once, in the same turn as an earlier read", async () => {
    const workspaceId = await createTestWorkspace(server, owner, member);
    await nextTurn();
    let turnEnded = false;
    setImmediate(() => (turnEnded = true));
    const before = await chainStateOf(server.ctx, workspaceId);
    const seq = await appendEvent(server, owner, workspaceId, 'add_member', { member: later.member });
    const after = await chainStateOf(server.ctx, workspaceId);
    // Only meaningful if all of it happened in one turn.
    expect(turnEnded).toBe(false);
    expect(seq).toBe((before?.seq ?? 0) + 1);
    expect(after?.seq).toBe(seq);
    expect(after?.members.has(later.member.userId)).toBe(true);
  });
});
