import { describe, expect, it } from 'vitest';
import { clockRefusal, docStream, isDocStream, judgeEnvelopeClock, streamFitsKind, streamPairKey, uncoveredAuthor } from './stream-rules';

describe('stream rules', () => {
  it('names each (workspace, stream) pair apart, also pairs whose joined text is the same', () => {
    const pairs: [string, string][] = [['w1', 'doc:plan'], ['w1d', 'oc:plan'], ['w1doc:plan', ''], ['', 'w1doc:plan'], ['3:w1', 'x'], ['3', ':w1x']];
    const names = pairs.map(([w, s]) => streamPairKey(w, s));
    expect(new Set(names).size).toBe(pairs.length);
    expect(streamPairKey('w1', 'doc:plan')).toBe(streamPairKey('w1', 'doc:plan'));
  });

  it('name streams and fit kinds to them', () => {
    expect(docStream('plan')).toBe('doc:plan');
    expect(isDocStream('doc:m1')).toBe(true);
    expect(isDocStream('chat')).toBe(false);
    expect(streamFitsKind('update', 'doc:plan')).toBe(true);
    expect(streamFitsKind('snapshot', 'doc:m1')).toBe(true);
    expect(streamFitsKind('update', 'chat')).toBe(false);
    expect(streamFitsKind('chat', 'chat')).toBe(true);
    expect(streamFitsKind('chat', 'doc:plan')).toBe(false);
    expect(streamFitsKind('presence', 'presence')).toBe(true);
    expect(streamFitsKind('presence', 'chat')).toBe(false);
    expect(streamFitsKind('records', 'records')).toBe(true);
    expect(streamFitsKind('records', 'chat')).toBe(false);
    expect(streamFitsKind('chat', 'records')).toBe(false);
    expect(streamFitsKind('update', 'records')).toBe(false);
    expect(streamFitsKind('snapshot', 'records')).toBe(false);
  });

  it('take a writer clock only as exactly last + 1', () => {
    expect(clockRefusal(0, 1)).toBeNull();
    expect(clockRefusal(4, 5)).toBeNull();
    expect(clockRefusal(4, 4)).toEqual({ code: 'clock_replay', expected: 5 });
    expect(clockRefusal(4, 7)).toEqual({ code: 'clock_gap', expected: 5 });
  });

  it('judge a received clock: apply, gap, echo, duplicate, replay', () => {
    const base = { lastClock: 3, seq: 10, lastSeq: 9, own: false };
    expect(judgeEnvelopeClock({ ...base, clock: 4 })).toBe('apply');
    expect(judgeEnvelopeClock({ ...base, clock: 6 })).toBe('gap');
    expect(judgeEnvelopeClock({ ...base, clock: 3, own: true })).toBe('echo');
    expect(judgeEnvelopeClock({ ...base, clock: 3, seq: 8 })).toBe('duplicate');
    expect(judgeEnvelopeClock({ ...base, clock: 3, seq: 12 })).toBe('replay');
  });

  it('find the first author a snapshot does not cover', () => {
    expect(uncoveredAuthor({ 'a.1': 3, 'b.1': 2 }, { 'a.1': 3, 'b.1': 5 })).toBeNull();
    expect(uncoveredAuthor({ 'b.1': 2, 'a.1': 3 }, { 'a.1': 2 })).toEqual({ authorKey: 'a.1', required: 3 });
    expect(uncoveredAuthor({ 'a.1': 1 }, {})).toEqual({ authorKey: 'a.1', required: 1 });
    expect(uncoveredAuthor({}, {})).toBeNull();
  });
});
