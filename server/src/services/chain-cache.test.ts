/**
 * The chain cache keeps a workspace's state while nothing but this process has committed
 * to the store (the store's foreign-write mark stands still), reads the store once per
 * workspace per turn of the event loop when something else has, sees another process's
 * append from the next turn on, and this process's own appends at once. A store that
 * cannot tell (mark null, as mongo) is read once per workspace per turn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash, signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { appendEvent, createTestWorkspace, enrolDevice, startTestServer } from '../socket/relay.testkit';
import type { TestDevice, TestServer } from '../socket/relay.testkit';
import { openSqliteStore } from '../store/sqlite/store';
import type { Store } from '../store/port';
import { chainStateOf } from './membership';

const dir = mkdtempSync(join(tmpdir(), 'yp-chain-cache-'));
const path = join(dir, 'server.db');
let server: TestServer;
/** A second connection to the server's file: what another server process sharing it writes through. */
let otherProcess: Store;
let owner: TestDevice;
let member: TestDevice;
let later: TestDevice;
let storeReads = 0;
let markUnknown = false;

/** Resolves in the next turn of the event loop (after its check phase). */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

beforeAll(async () => {
  server = await startTestServer({ sqlitePath: path });
  otherProcess = openSqliteStore({ path });
  owner = await enrolDevice(server);
  member = await enrolDevice(server);
  later = await enrolDevice(server);
  // Count the store's reads on the very store part the cache is keyed by; let a test
  // make it a store that cannot tell whether anyone else wrote.
  const workspaces = server.ctx.store.workspaces;
  const list = workspaces.listMembershipEvents.bind(workspaces);
  workspaces.listMembershipEvents = (...args) => {
    storeReads += 1;
    return list(...args);
  };
  const mark = workspaces.foreignWriteMark.bind(workspaces);
  workspaces.foreignWriteMark = () => (markUnknown ? Promise.resolve(null) : mark());
});

afterAll(async () => {
  await otherProcess.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Another process's commit that does not touch any chain. */
async function unrelatedCommitElsewhere(): Promise<void> {
  await otherProcess.workspaces.touchWorkspace('no-such-workspace', Date.now());
  await otherProcess.directory.createOrg({ id: `elsewhere-${Date.now()}-${Math.random()}`, name: 'Muu', createdAt: 1 });
}

describe('chain cache', () => {
  it('answers every read of one turn with one store query, then keeps the state while nothing else commits', async () => {
    const workspaceId = await createTestWorkspace(server, owner, member);
    await nextTurn();
    // The first read after another connection's commit goes to the store …
    await unrelatedCommitElsewhere();
    await nextTurn();
    const before = storeReads;
    const states = await Promise.all(Array.from({ length: 10 }, () => chainStateOf(server.ctx, workspaceId)));
    expect(storeReads - before).toBe(1);
    expect(new Set(states.map((s) => s?.seq))).toEqual(new Set([1]));
    // … and the following turns use the state read then.
    for (let turn = 0; turn < 3; turn++) {
      await nextTurn();
      expect((await chainStateOf(server.ctx, workspaceId))?.seq).toBe(1);
    }
    expect(storeReads - before).toBe(1);
    // Any commit by another process sends the next turn's read to the store again.
    await unrelatedCommitElsewhere();
    await nextTurn();
    await chainStateOf(server.ctx, workspaceId);
    expect(storeReads - before).toBe(2);
  });

  it("sees another process's append from the next turn on", async () => {
    const workspaceId = await createTestWorkspace(server, owner, member);
    await nextTurn();
    const state = await chainStateOf(server.ctx, workspaceId);
    if (state === null) throw new Error('no chain');
    await nextTurn();
    expect((await chainStateOf(server.ctx, workspaceId))?.seq).toBe(state.seq);
    // Written through another connection to the file, as another server process sharing it would.
    const unsigned = { workspaceId, seq: state.seq + 1, prevHash: state.headHash, type: 'add_member', payload: { member: later.member }, author: owner.ref, at: server.ctx.now() };
    const event = signEvent(unsigned as UnsignedMembershipEvent, owner.identity.identityKeyPair.privateKey);
    expect(await otherProcess.workspaces.appendMembershipEvent(workspaceId, { event, hash: eventHash(event) }, state.seq + 1, state.headHash)).toEqual({ ok: true });
    await nextTurn();
    const after = await chainStateOf(server.ctx, workspaceId);
    expect(after?.seq).toBe(state.seq + 1);
    expect(after?.members.has(later.member.userId)).toBe(true);
  });

  it("has this process's own append at once, in the same turn as an earlier read, and keeps it", async () => {
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
    await nextTurn();
    const reads = storeReads;
    expect((await chainStateOf(server.ctx, workspaceId))?.seq).toBe(seq);
    expect(storeReads).toBe(reads);
  });

  it('reads the store once per turn when the store cannot tell whether anyone else wrote', async () => {
    const workspaceId = await createTestWorkspace(server, owner, member);
    await nextTurn();
    markUnknown = true;
    try {
      const before = storeReads;
      for (let turn = 0; turn < 3; turn++) {
        await Promise.all([chainStateOf(server.ctx, workspaceId), chainStateOf(server.ctx, workspaceId)]);
        await nextTurn();
      }
      expect(storeReads - before).toBe(3);
    } finally {
      markUnknown = false;
    }
  });
});
