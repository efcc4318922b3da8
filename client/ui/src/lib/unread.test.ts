import { describe, expect, it } from 'vitest';
import { LastSeenStore, highestSeq, lastSeenKey, latestSentAt, unreadCount } from './unread';
import type { KeyValueStorage } from './unread';

function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

const msg = (seq: number, userId: string, deleted = false) => ({ seq, deleted, author: { userId }, sentAt: 1000 + seq });

describe('unreadCount', () => {
  it("counts others' live messages after the last seen seq", () => {
    const messages = [msg(1, 'other'), msg(2, 'me'), msg(3, 'other'), msg(4, 'other', true), msg(5, 'other'), msg(0, 'other')];
    expect(unreadCount(messages, 0, 'me')).toBe(3);
    expect(unreadCount(messages, 3, 'me')).toBe(1);
    expect(unreadCount(messages, 5, 'me')).toBe(0);
    expect(highestSeq(messages)).toBe(5);
    expect(highestSeq([])).toBe(0);
    expect(latestSentAt(messages)).toBe(1005);
    expect(latestSentAt([])).toBe(0);
  });
});

describe('LastSeenStore', () => {
  it('keeps each profile apart and never moves backwards', () => {
    const storage = memoryStorage();
    const anna = new LastSeenStore(storage, 'anna');
    const sini = new LastSeenStore(storage, 'sini');
    anna.markSeen('ws1', 5);
    anna.markSeen('ws1', 3);
    sini.markSeen('ws1', 9);
    expect(anna.get('ws1')).toBe(5);
    expect(sini.get('ws1')).toBe(9);
    expect(anna.get('ws2')).toBe(0);
  });

  it('reads damaged storage as empty instead of failing', () => {
    const storage = memoryStorage();
    storage.setItem(lastSeenKey('anna'), '{not json');
    expect(new LastSeenStore(storage, 'anna').all()).toEqual({});
    storage.setItem(lastSeenKey('anna'), JSON.stringify({ ws1: 'x', ws2: -1, ws3: 4 }));
    expect(new LastSeenStore(storage, 'anna').all()).toEqual({ ws3: 4 });
    storage.setItem(lastSeenKey('anna'), '[1,2]');
    expect(new LastSeenStore(storage, 'anna').all()).toEqual({});
  });
});
