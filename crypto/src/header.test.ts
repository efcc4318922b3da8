import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from './bytes';
import { decodeHeader, encodeHeader, MAX_COVERED_CLOCKS, MAX_HEADER_BYTES, MAX_ID_BYTES, MAX_STREAM_BYTES } from './header';
import { ENVELOPE_KINDS } from './types';
import type { EnvelopeHeader } from './types';

const WS = '2b1c7e0a-5d3f-4e8b-9a61-0f2d4c6b8e10';
const USER = '7f3e2d1c-0b9a-4876-a5b4-c3d2e1f00112';
const SNAP = 'c0ffee00-1234-4abc-8def-0123456789ab';

const update: EnvelopeHeader = {
  v: 2,
  workspaceId: WS,
  stream: 'doc:plan',
  kind: 'update',
  epoch: 3,
  author: { userId: USER, deviceId: 2 },
  clock: 41,
  snapshotId: SNAP,
  sentAt: 1_732_000_000_000,
  chainHead: { seq: 12, hash: 'c4'.repeat(32) },
};

const snapshot: EnvelopeHeader = {
  ...update,
  kind: 'snapshot',
  clock: 0,
  snapshotId: 'snap-2',
  parentSnapshotId: 'snap-1',
  parentProof: new Uint8Array(new ArrayBuffer(32)).fill(7),
  coveredClocks: { 'zed.1': 5, [`${USER}.2`]: 41, 'äiti.127': 9, 'anna.3': Number.MAX_SAFE_INTEGER },
};

/** Byte offsets in the encoding of `update` (see the layout in header.ts). */
const OFFSET = {
  version: 0,
  kind: 1,
  workspaceIdLength: 2,
  workspaceId: 4,
  epoch: 4 + 36 + 2 + 8,
  get userId() {
    return this.epoch + 4 + 2;
  },
  get deviceId() {
    return this.userId + 36;
  },
  get clock() {
    return this.deviceId + 1;
  },
};

function mutate(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = concatBytes(bytes);
  copy[at] = value;
  return copy;
}

function rejects(bytes: Uint8Array, code: 'malformed' | 'too_large'): string {
  const r = decodeHeader(bytes);
  expect(r.ok).toBe(false);
  if (r.ok) throw new Error('unreachable');
  expect(r.code).toBe(code);
  return r.detail;
}

describe('header encoding', () => {
  it('round-trips an update header and re-encodes to identical bytes', () => {
    const bytes = encodeHeader(update);
    const r = decodeHeader(bytes);
    expect(r).toEqual({ ok: true, header: update });
    if (!r.ok) throw new Error('unreachable');
    expect(encodeHeader(r.header)).toEqual(bytes);
  });

  it('refuses a chain head that is not a u32 seq with 64 lower-case hex digits', () => {
    for (const chainHead of [{ seq: -1, hash: 'c4'.repeat(32) }, { seq: 2 ** 32, hash: 'c4'.repeat(32) }, { seq: 1, hash: 'C4'.repeat(32) }, { seq: 1, hash: 'c4'.repeat(31) }]) {
      expect(() => encodeHeader({ ...update, chainHead })).toThrow(RangeError);
    }
  });

  it('has the documented size for a typical update header', () => {
    expect(encodeHeader(update).byteLength).toBe(183);
  });

  it('round-trips every kind', () => {
    for (const kind of ['update', 'chat', 'presence', 'heartbeat'] as const) {
      const h = { ...update, kind };
      expect(decodeHeader(encodeHeader(h))).toEqual({ ok: true, header: h });
    }
  });

  it('round-trips a snapshot header with coveredClocks sorted by UTF-8 key bytes', () => {
    const bytes = encodeHeader(snapshot);
    const r = decodeHeader(bytes);
    expect(r).toEqual({ ok: true, header: snapshot });
    if (!r.ok) throw new Error('unreachable');
    expect(encodeHeader(r.header)).toEqual(bytes);
    expect(Object.keys(r.header.coveredClocks ?? {})).toEqual([`${USER}.2`, 'anna.3', 'zed.1', 'äiti.127']);
  });

  it('encodes the same header identically whatever the coveredClocks insertion order', () => {
    const reordered = { ...snapshot, coveredClocks: Object.fromEntries(Object.entries(snapshot.coveredClocks ?? {}).reverse()) };
    expect(encodeHeader(reordered)).toEqual(encodeHeader(snapshot));
  });

  it('keeps a leading U+FEFF and other non-ASCII text byte-exact', () => {
    const h = { ...update, stream: '\uFEFFdoc:ääkköset', author: { userId: '\uFEFF\uFEFFuser-ö', deviceId: 127 } };
    const bytes = encodeHeader(h);
    expect(decodeHeader(bytes)).toEqual({ ok: true, header: h });
  });

  it('changes bytes when any field changes', () => {
    const base = encodeHeader(update);
    const variants: EnvelopeHeader[] = [
      { ...update, workspaceId: `${WS}x` },
      { ...update, stream: 'chat' },
      { ...update, kind: 'chat' },
      { ...update, chainHead: { ...update.chainHead, seq: 13 } },
      { ...update, chainHead: { ...update.chainHead, hash: `${'c4'.repeat(31)}c5` } },
      { ...update, epoch: 4 },
      { ...update, author: { userId: USER, deviceId: 3 } },
      { ...update, author: { userId: 'other', deviceId: 2 } },
      { ...update, clock: 42 },
      { ...update, snapshotId: '' },
      { ...update, sentAt: update.sentAt + 1 },
    ];
    for (const v of variants) expect(encodeHeader(v)).not.toEqual(base);
  });

  it('refuses to encode headers the decoder would reject', () => {
    const bad: EnvelopeHeader[] = [
      { ...update, author: { userId: USER, deviceId: 0 } },
      { ...update, author: { userId: USER, deviceId: 128 } },
      { ...update, clock: -1 },
      { ...update, clock: 1.5 },
      { ...update, epoch: 0 },
      { ...update, workspaceId: '' },
      { ...update, stream: 'x'.repeat(MAX_STREAM_BYTES + 1) },
      { ...update, workspaceId: 'ä'.repeat(MAX_ID_BYTES / 2 + 1) },
      { ...update, author: { userId: 'lone\uD800', deviceId: 1 } },
      { ...update, parentProof: new Uint8Array(new ArrayBuffer(32)) },
      { ...snapshot, parentProof: undefined },
      { ...snapshot, coveredClocks: undefined },
      { ...snapshot, parentSnapshotId: undefined },
      { ...snapshot, clock: 1 },
      { ...snapshot, snapshotId: '' },
      { ...snapshot, parentProof: new Uint8Array(new ArrayBuffer(31)) },
      { ...snapshot, coveredClocks: { 'no-device': 1 } },
      { ...snapshot, coveredClocks: { 'a.0': 1 } },
      { ...snapshot, coveredClocks: { 'a.01': 1 } },
      { ...snapshot, coveredClocks: { 'a.128': 1 } },
      { ...snapshot, coveredClocks: { 'a.1': -1 } },
    ];
    for (const h of bad) expect(() => encodeHeader(h), JSON.stringify(h)).toThrow(RangeError);
  });
});

describe('header decoding is strict', () => {
  const bytes = encodeHeader(update);

  it('accepts the exact limits', () => {
    const h = { ...update, workspaceId: 'w'.repeat(MAX_ID_BYTES), stream: 's'.repeat(MAX_STREAM_BYTES), clock: Number.MAX_SAFE_INTEGER };
    expect(decodeHeader(encodeHeader(h))).toEqual({ ok: true, header: h });
  });

  it('rejects trailing bytes', () => {
    expect(rejects(concatBytes(bytes, new Uint8Array([0])), 'malformed')).toMatch(/trailing/);
  });

  it('rejects every truncation', () => {
    for (let n = 0; n < bytes.byteLength; n++) rejects(bytes.subarray(0, n), 'malformed');
  });

  it('rejects an unknown version', () => {
    expect(rejects(mutate(bytes, OFFSET.version, 1), 'malformed')).toMatch(/version/);
    rejects(mutate(bytes, OFFSET.version, 3), 'malformed');
    rejects(mutate(bytes, OFFSET.version, 0), 'malformed');
  });

  it('rejects an unknown kind', () => {
    expect(rejects(mutate(bytes, OFFSET.kind, ENVELOPE_KINDS.length), 'malformed')).toMatch(/kind/);
  });

  it('rejects invalid UTF-8 (stray continuation, overlong, surrogate)', () => {
    expect(rejects(mutate(bytes, OFFSET.workspaceId, 0x80), 'malformed')).toMatch(/UTF-8/);
    const overlong = concatBytes(bytes);
    overlong.set([0xc0, 0xaf], OFFSET.workspaceId);
    rejects(overlong, 'malformed');
    const surrogate = concatBytes(bytes);
    surrogate.set([0xed, 0xa0, 0x80], OFFSET.workspaceId);
    rejects(surrogate, 'malformed');
  });

  it('rejects a device id outside 1..127', () => {
    for (const id of [0, 128, 255]) expect(rejects(mutate(bytes, OFFSET.deviceId, id), 'malformed')).toMatch(/deviceId/);
  });

  it('rejects a clock above Number.MAX_SAFE_INTEGER', () => {
    const big = concatBytes(bytes);
    new DataView(big.buffer).setBigUint64(OFFSET.clock, BigInt(Number.MAX_SAFE_INTEGER) + 1n);
    expect(rejects(big, 'malformed')).toMatch(/clock/);
  });

  it('rejects epoch 0', () => {
    const zero = concatBytes(bytes);
    new DataView(zero.buffer).setUint32(OFFSET.epoch, 0);
    expect(rejects(zero, 'malformed')).toMatch(/epoch/);
  });

  it('rejects an empty workspace id', () => {
    const h = concatBytes(bytes.subarray(0, OFFSET.workspaceIdLength), new Uint8Array([0, 0]), bytes.subarray(OFFSET.workspaceId + 36));
    expect(rejects(h, 'malformed')).toMatch(/workspaceId/);
  });

  it('reports an over-limit string length as too_large', () => {
    const h = concatBytes(bytes);
    new DataView(h.buffer).setUint16(OFFSET.workspaceIdLength, MAX_ID_BYTES + 1);
    expect(rejects(h, 'too_large')).toMatch(/workspaceId/);
  });

  it('reports input above MAX_HEADER_BYTES as too_large', () => {
    rejects(new Uint8Array(MAX_HEADER_BYTES + 1), 'too_large');
  });

  it('rejects coveredClocks out of canonical order or duplicated', () => {
    const one = { ...snapshot, coveredClocks: { 'a.1': 1 } };
    const prefix = encodeHeader({ ...snapshot, coveredClocks: {} });
    const entry = (key: string, clock: number): Uint8Array => {
      const out = new Uint8Array(2 + utf8(key).byteLength + 8);
      const view = new DataView(out.buffer);
      view.setUint16(0, utf8(key).byteLength);
      out.set(utf8(key), 2);
      view.setBigUint64(2 + utf8(key).byteLength, BigInt(clock));
      return out;
    };
    const withEntries = (...entries: Uint8Array[]): Uint8Array => {
      const head = concatBytes(prefix.subarray(0, prefix.byteLength - 2), new Uint8Array([0, entries.length]), ...entries);
      return head;
    };
    expect(decodeHeader(withEntries(entry('a.1', 1)))).toEqual({ ok: true, header: one });
    expect(decodeHeader(withEntries(entry('a.1', 1), entry('b.1', 2))).ok).toBe(true);
    expect(rejects(withEntries(entry('b.1', 2), entry('a.1', 1)), 'malformed')).toMatch(/ascending/);
    expect(rejects(withEntries(entry('a.1', 1), entry('a.1', 1)), 'malformed')).toMatch(/ascending/);
    expect(rejects(withEntries(entry('a.1x', 1)), 'malformed')).toMatch(/userId.deviceId/);
  });

  it('rejects more covered clocks than the limit', () => {
    const prefix = encodeHeader({ ...snapshot, coveredClocks: {} });
    const count = concatBytes(prefix);
    new DataView(count.buffer).setUint16(count.byteLength - 2, MAX_COVERED_CLOCKS + 1);
    rejects(count, 'too_large');
  });

  it('rejects a snapshot header with a non-zero clock', () => {
    const raw = encodeHeader(snapshot);
    const clockAt = OFFSET.clock;
    const bad = concatBytes(raw);
    bad[clockAt + 7] = 1;
    expect(rejects(bad, 'malformed')).toMatch(/clock 0/);
  });

  it('never throws on non-bytes input', () => {
    for (const x of [undefined, null, 'abc', 42, {}, [1, 2, 3]]) {
      expect(decodeHeader(x as unknown as Uint8Array).ok).toBe(false);
    }
  });
});
