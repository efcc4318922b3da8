import { describe, expect, it } from 'vitest';
import { linkState } from './link-state';

describe('linkState', () => {
  it('calls an unlocked profile on the enrolment page open, not locked', () => {
    expect(linkState('open', 'unlocked', undefined, 0)).toBe('not_enrolled');
    expect(linkState('open', 'locked', undefined, 0)).toBe('locked');
  });

  it('tells the link of a ready device', () => {
    expect(linkState('closed', 'ready', 'online', 0)).toBe('no_agent');
    expect(linkState('open', 'ready', 'offline', 0)).toBe('offline');
    expect(linkState('open', 'ready', undefined, 0)).toBe('connecting');
    expect(linkState('open', 'ready', 'online', 2)).toBe('syncing');
    expect(linkState('open', 'ready', 'online', 0)).toBe('online');
  });
});
