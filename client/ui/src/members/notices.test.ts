import { describe, expect, it } from 'vitest';
import type { WorkspaceNotice } from '@yhteispoyta/local-api';
import { describeNotice, recentNotices } from './notices';

const names: Record<string, string> = { maija: 'Maija Virtanen', sini: 'Sini Sosiaali' };
const nameOf = (userId: string) => names[userId] ?? userId;
const notice = (kind: WorkspaceNotice['kind'], userId: string, by: string, extra: Partial<WorkspaceNotice> = {}): WorkspaceNotice => ({
  at: 1_000,
  kind,
  userId,
  deviceId: 2,
  by: { userId: by, deviceId: 1 },
  ...extra,
});

describe('describeNotice', () => {
  it('says a person added or removed his own device himself', () => {
    expect(describeNotice(notice('device_added', 'maija', 'maija', { displayName: 'Maija' }), nameOf)).toEqual({
      key: 'members.notices.addedOwn',
      values: { name: 'Maija', device: 2 },
    });
    expect(describeNotice(notice('device_removed', 'maija', 'maija'), nameOf)).toEqual({
      key: 'members.notices.removedOwn',
      values: { name: 'Maija Virtanen', device: 2 },
    });
  });

  it('puts a change someone else signed in the passive and names who made it', () => {
    expect(describeNotice(notice('device_added', 'maija', 'sini'), nameOf)).toEqual({
      key: 'members.notices.added',
      values: { name: 'Maija Virtanen', device: 2 },
      by: 'Sini Sosiaali',
    });
    expect(describeNotice(notice('device_removed', 'asta', 'sini', { displayName: ' ' }), nameOf)).toEqual({
      key: 'members.notices.removed',
      values: { name: 'asta', device: 2 },
      by: 'Sini Sosiaali',
    });
  });
});

describe('recentNotices', () => {
  it('lists the newest first, later chain events first on equal times, up to a limit', () => {
    const a = notice('device_added', 'maija', 'maija', { at: 1, deviceId: 1 });
    const b = notice('device_added', 'maija', 'maija', { at: 3, deviceId: 2 });
    const c = notice('device_removed', 'maija', 'maija', { at: 3, deviceId: 1 });
    const d = notice('device_added', 'sini', 'sini', { at: 2, deviceId: 4 });
    expect(recentNotices([a, b, c, d], 10)).toEqual([c, b, d, a]);
    expect(recentNotices([a, b, c, d], 2)).toEqual([c, b]);
    expect(recentNotices([a], 0)).toEqual([]);
  });
});
