/** System notices go among the messages by their signed time; message order is untouched. */
import { describe, expect, it } from 'vitest';
import type { ChatMessage, MemberNotice } from '@yhteispoyta/local-api';
import { chatTimeline } from './chat-timeline';

const message = (id: string, seq: number, sentAt: number): ChatMessage => ({
  id,
  workspaceId: 'w1',
  author: { userId: 'u-a', deviceId: 1 },
  text: id,
  attachments: [],
  sentAt,
  seq,
  deleted: false,
  verified: true,
  pending: seq === 0,
});
const notice = (seq: number, at: number): MemberNotice => ({ at, seq, kind: 'joined', userId: `u${seq}`, by: { userId: 'u-a', deviceId: 1 } });

describe('chatTimeline', () => {
  it('places notices by time among sequenced messages, before pending ones', () => {
    const rows = chatTimeline([message('m1', 1, 100), message('m2', 2, 300), message('p', 0, 50)], [notice(5, 200), notice(3, 10), notice(6, 400)]);
    expect(rows.map((r) => (r.kind === 'message' ? r.message.id : `n${r.notice.seq}`))).toEqual(['n3', 'm1', 'n5', 'm2', 'n6', 'p']);
  });
  it('lists notices alone when there are no messages', () => {
    expect(chatTimeline([], [notice(2, 5), notice(1, 5)]).map((r) => (r.kind === 'notice' ? r.notice.seq : -1))).toEqual([1, 2]);
  });
});
