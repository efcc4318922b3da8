/** The tab title: the total unread first, the open workspace's label and its own count. */
import { describe, expect, it } from 'vitest';
import { unreadTitle } from './unread-title';

describe('unreadTitle', () => {
  it('is the product name alone when nothing is unread', () => {
    expect(unreadTitle(0)).toBe('Yhteispöytä');
  });
  it('leads with the total', () => {
    expect(unreadTitle(5)).toBe('(5) Yhteispöytä');
  });
  it('names the open workspace and its own count when others have more', () => {
    expect(unreadTitle(5, { label: 'Jani, 24 v', here: 2 })).toBe('(5) Jani, 24 v (2) – Yhteispöytä');
    expect(unreadTitle(2, { label: 'Jani, 24 v', here: 2 })).toBe('(2) Jani, 24 v – Yhteispöytä');
    expect(unreadTitle(0, { label: 'Jani, 24 v', here: 0 })).toBe('Jani, 24 v – Yhteispöytä');
  });
});
