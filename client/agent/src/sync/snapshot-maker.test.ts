import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredResult } from '@yhteispoyta/crypto/protocol';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { EnvelopeHeader, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { LinkAck } from '../contracts';
import type { OpenGate } from './sealer';
import { SnapshotMaker } from './snapshot-maker';
import type { SnapshotDeps } from './snapshot-maker';
import type { StreamRow } from './stream-state';

const WS = 'ws-1';
const STREAM = 'plan';

const staleAck: LinkAck<StoredResult> = { ok: false, error: { code: 'stale_snapshot', message: 'a newer snapshot exists' } };
const storedAck: LinkAck<StoredResult> = { ok: true, seq: 7 };

/**
 * A maker whose stream needs a snapshot until `needsStores` are stored (more than one: old
 * content arrived while a run was in flight), and a relay answering from `answers`.
 */
function makerWith(answers: LinkAck<StoredResult>[], needsStores = 1) {
  const gate: OpenGate = { ok: true, epoch: 2, key: new Uint8Array(32), chainHead: { seq: 1, hash: 'a'.repeat(64) } };
  let stores = 0;
  const row = (): StreamRow => ({
    workspaceId: WS,
    stream: STREAM,
    active: { id: '', proof: undefined, ciphertextHash: undefined, epoch: 1, seq: 0 },
    lastSeq: 3,
    updatesOnSnapshot: 3,
    // content sealed under epoch 1 while the current one is 2: a snapshot must move it
    oldestEpoch: stores >= needsStores ? 2 : 1,
  });
  const envelope: WireEnvelope = { header: new Uint8Array(8), nonce: new Uint8Array(12), ciphertext: new Uint8Array(16), signature: new Uint8Array(64) };
  const snapshot = vi.fn((_envelope: WireEnvelope) => Promise.resolve(answers.shift() ?? staleAck));
  const catchUp = vi.fn((_workspaceId: string) => Promise.resolve());
  const deps: SnapshotDeps = {
    handlers: { handlerFor: () => ({ snapshotState: () => new Uint8Array([1, 2, 3]) }) as never },
    state: {
      get: row,
      clocks: () => ({}),
      adoptSnapshot: () => {
        stores += 1;
      },
    },
    sealer: { gate: () => gate, header: (_gate, fields): EnvelopeHeader => ({ v: PROTOCOL_VERSION, ...fields, epoch: gate.epoch, author: { userId: 'u', deviceId: 1 }, chainHead: gate.chainHead }), seal: () => envelope },
    relay: { snapshot },
    link: { status: () => 'online' },
    lanes: { run: (_key, fn) => Promise.resolve(fn()) },
    catchUp,
    reporter: { report: vi.fn() },
    config: { compactionThreshold: 50, compactionJitterMs: 0 },
    now: () => 1_000,
    log: pino({ level: 'silent' }),
  };
  return { maker: new SnapshotMaker(deps), snapshot, catchUp, isStored: () => stores >= needsStores };
}

describe('SnapshotMaker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('tries again later when every attempt of a run lost a race, until the snapshot is stored', async () => {
    // Three lost races spend the first run; the fourth attempt (the retry) wins.
    const { maker, snapshot, catchUp, isStored } = makerWith([staleAck, staleAck, staleAck, storedAck]);
    maker.consider(WS, STREAM);
    await vi.advanceTimersByTimeAsync(0);
    expect(snapshot).toHaveBeenCalledTimes(3);
    expect(catchUp).toHaveBeenCalledTimes(3);
    expect(isStored()).toBe(false);
    // Nothing else triggers it: no edit, no inbound update. The retry comes by itself.
    await vi.advanceTimersByTimeAsync(999);
    expect(snapshot).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(snapshot).toHaveBeenCalledTimes(4);
    expect(isStored()).toBe(true);
    await maker.close();
  });

  it('waits twice as long after each spent run in a row', async () => {
    const { maker, snapshot } = makerWith([]);
    maker.consider(WS, STREAM);
    await vi.advanceTimersByTimeAsync(0);
    expect(snapshot).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(snapshot).toHaveBeenCalledTimes(6);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(snapshot).toHaveBeenCalledTimes(6);
    await vi.advanceTimersByTimeAsync(1);
    expect(snapshot).toHaveBeenCalledTimes(9);
    await maker.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(snapshot).toHaveBeenCalledTimes(9);
  });

  it('judges the stream again once a run stored its snapshot: what arrived meanwhile was not considered', async () => {
    const { maker, snapshot, isStored } = makerWith([storedAck, storedAck], 2);
    maker.consider(WS, STREAM);
    await vi.advanceTimersByTimeAsync(10);
    expect(snapshot).toHaveBeenCalledTimes(2);
    expect(isStored()).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(snapshot).toHaveBeenCalledTimes(2);
    await maker.close();
  });

  it('does not try again after a refusal that would only repeat', async () => {
    const { maker, snapshot } = makerWith([{ ok: false, error: { code: 'forbidden', message: 'no' } }]);
    maker.consider(WS, STREAM);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(snapshot).toHaveBeenCalledTimes(1);
    await maker.close();
  });
});
