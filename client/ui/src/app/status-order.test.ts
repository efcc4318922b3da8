/**
 * The newest status wins whichever way it came: an unlock answer taken before the link
 * came up does not overwrite the later event that said it is online.
 */
import { describe, expect, it } from 'vitest';
import type { HostStatus } from '@yhteispoyta/local-api';
import { newerStatus, withSync } from './status-order';

const ready = (revision: number, link: 'connecting' | 'online'): HostStatus => ({
  state: 'ready',
  serverUrl: 'http://127.0.0.1:1',
  profile: 'kalle',
  link,
  sync: { link, pending: 0, syncing: [] },
  revision,
});

describe('status order', () => {
  it('keeps a later snapshot against an earlier one arriving after it', () => {
    const online = ready(20, 'online');
    expect(newerStatus(online, ready(10, 'connecting'))).toBe(online);
    expect(newerStatus(ready(10, 'connecting'), online)).toBe(online);
    expect(newerStatus(undefined, online)).toBe(online);
  });

  it('applies a sync event only over an older snapshot, taking its revision', () => {
    const answer = ready(10, 'connecting');
    const after = withSync(answer, { link: 'online', pending: 2, syncing: [] }, 15);
    expect(after).toMatchObject({ link: 'online', sync: { pending: 2 }, revision: 15 });
    // The unlock answer (10) arriving after the event (15) does not undo it.
    expect(newerStatus(after, answer)).toBe(after);
    // A sync event older than the snapshot held is dropped.
    expect(withSync(ready(30, 'online'), { link: 'connecting', pending: 0, syncing: ['w'] }, 25)).toMatchObject({ link: 'online', revision: 30 });
    expect(withSync(undefined, { link: 'online', pending: 0, syncing: [] }, 1)).toBeUndefined();
  });
});
