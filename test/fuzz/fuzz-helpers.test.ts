/**
 * The fuzzers' own parts: the generator must be reproducible from a seed (or a recorded
 * failure would not replay), a mutation must change exactly one node, and the reply
 * judge must refuse every answer the protocol does not allow.
 */
import { describe, expect, it } from 'vitest';
import { REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import { readRegressions } from './fuzz-config';
import { nodesOf, mutateOnce } from './mutate';
import { caseSeed, Prng } from '@yhteispoyta/test-support/prng';
import { checkAck, checkRawFrames, checkRestReply } from './reply-check';
import type { RestReply } from './reply-check';
import { CURRENT_GENERATION, ROUTE_GENERATIONS } from './rest-cases';
import { growthOf, summarize } from './rss-stats';

describe('Prng', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const seqA = Array.from({ length: 16 }, () => a.next());
    expect(Array.from({ length: 16 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 16 }, () => c.next())).not.toEqual(seqA);
  });

  it('keeps int() within its bounds, reaching both ends', () => {
    const p = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = p.int(3, 6);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(6);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('derives distinct, stable case seeds from a run seed', () => {
    const seeds = Array.from({ length: 1000 }, (_, i) => caseSeed(99, i));
    expect(new Set(seeds).size).toBe(1000);
    expect(caseSeed(99, 17)).toBe(seeds[17]);
  });

  it('picks undefined elements without mistaking them for an empty list', () => {
    const p = new Prng(1);
    const picks = new Set(Array.from({ length: 50 }, () => p.pick([undefined, 'x'])));
    expect(picks).toEqual(new Set([undefined, 'x']));
    expect(() => p.pick([])).toThrow(RangeError);
  });
});

describe('route generations', () => {
  it('the newest covers exactly the protocol\'s route table, each route once (a new route needs a new generation)', () => {
    const newest = ROUTE_GENERATIONS[CURRENT_GENERATION - 1] ?? [];
    expect(new Set(newest).size).toBe(newest.length);
    expect([...newest].sort()).toEqual(Object.keys(REST_ROUTES).sort());
  });

  it('every older generation still names only existing routes, and every kept seed names a generation that exists', () => {
    for (const generation of ROUTE_GENERATIONS) for (const route of generation) expect(Object.keys(REST_ROUTES)).toContain(route);
    // Generation 1 is the table the first kept seeds were found with: 26 routes, never to change.
    expect(ROUTE_GENERATIONS[0]).toHaveLength(26);
    for (const kept of readRegressions()) expect(kept.generation).toBeLessThanOrEqual(CURRENT_GENERATION);
  });
});

describe('mutateOnce', () => {
  const template = { workspaceId: 'ws1', positions: { chat: { snapshotId: '', afterSeq: 0 } }, list: [1, 2] };

  it('leaves the template alone and (nearly always: an edge value may equal the original) changes the value', () => {
    const before = JSON.stringify(template);
    let changed = 0;
    for (let seed = 0; seed < 200; seed++) {
      const { value, note } = mutateOnce(new Prng(seed), template, { binary: false, maxBytes: 1000 });
      expect(JSON.stringify(template)).toBe(before);
      expect(note.path.startsWith('$')).toBe(true);
      if (JSON.stringify(value) !== before) changed += 1;
    }
    expect(changed).toBeGreaterThan(180);
  });

  it('plants prototype-pollution keys as own properties, never as prototypes', () => {
    let planted = 0;
    for (let seed = 0; seed < 400; seed++) {
      const { value, note } = mutateOnce(new Prng(seed), template, { binary: false, maxBytes: 1000 });
      if (!note.attack.startsWith('pollution-key')) continue;
      planted += 1;
      for (const { value: node } of nodesOf(value)) {
        if (typeof node === 'object' && node !== null && !Array.isArray(node)) expect(Object.getPrototypeOf(node)).toBe(Object.prototype);
      }
    }
    expect(planted).toBeGreaterThan(0);
  });
});

describe('checkRestReply', () => {
  const reply = (status: number, body: unknown, extra: Partial<RestReply> = {}): RestReply => ({
    method: 'POST',
    path: '/v1/mailbox',
    status,
    contentType: 'application/json; charset=utf-8',
    requestId: 'abc123',
    body: Buffer.from(JSON.stringify(body) ?? ''),
    ...extra,
  });

  it('accepts a typed error with the status of its code and the request id', () => {
    expect(checkRestReply(reply(403, { error: { code: 'forbidden', message: 'no', id: 'abc123' } }))).toEqual({ ok: true, outcome: 'rest forbidden' });
  });

  it('refuses internal errors, mismatched statuses, foreign ids, bodiless and untyped answers', () => {
    expect(checkRestReply(reply(500, { error: { code: 'internal', message: 'x', id: 'abc123' } })).ok).toBe(false);
    expect(checkRestReply(reply(400, { error: { code: 'forbidden', message: 'x', id: 'abc123' } })).ok).toBe(false);
    expect(checkRestReply(reply(403, { error: { code: 'forbidden', message: 'x', id: 'other' } })).ok).toBe(false);
    expect(checkRestReply(reply(431, undefined, { contentType: '', body: new Uint8Array() })).ok).toBe(false);
    expect(checkRestReply(reply(400, { message: 'Bad Request' })).ok).toBe(false);
    expect(checkRestReply(reply(200, { whatever: true })).ok).toBe(false);
  });

  it("accepts engine.io's own error vocabulary only on engine.io's path", () => {
    const engine = { code: 0, message: 'Transport unknown' };
    expect(checkRestReply(reply(400, engine, { path: '/socket.io/?EIO=9' })).ok).toBe(true);
    expect(checkRestReply(reply(400, engine)).ok).toBe(false);
  });
});

describe('checkAck and checkRawFrames', () => {
  it('accept typed acks and refuse internal or malformed ones', () => {
    expect(checkAck('fetch', { ok: true, envelopes: [] })).toEqual({ ok: true, outcome: 'fetch accepted' });
    expect(checkAck('fetch', { ok: false, error: { code: 'forbidden', message: 'no' } }).ok).toBe(true);
    expect(checkAck('fetch', { ok: false, error: { code: 'internal', message: 'x' } }).ok).toBe(false);
    expect(checkAck('fetch', { ok: true, envelopes: 'nope' }).ok).toBe(false);
    expect(checkRawFrames(['431[{"ok":false,"error":{"code":"bad_request","message":"x"}}]']).ok).toBe(true);
    expect(checkRawFrames(['431[{"ok":false,"error":{"code":"internal","message":"x"}}]']).ok).toBe(false);
    expect(checkRawFrames(['431["surprise"]']).ok).toBe(false);
  });
});

describe('rss-stats', () => {
  it('tells a level series from a growing one', () => {
    const level = Array.from({ length: 100 }, (_, i) => 200 + (i % 7));
    const growing = Array.from({ length: 100 }, (_, i) => 200 + i * 3);
    expect(growthOf(level)).toBeLessThan(10);
    expect(growthOf(growing)).toBeGreaterThan(150);
    expect(summarize(level)).toMatchObject({ samples: 100, minBytes: 200, maxBytes: 206 });
  });
});
