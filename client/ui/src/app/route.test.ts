import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from './route';

describe('parseRoute', () => {
  it('reads the list and workspace tabs, and round-trips', () => {
    expect(parseRoute('')).toEqual({ name: 'list' });
    expect(parseRoute('#/')).toEqual({ name: 'list' });
    expect(parseRoute('#/w/abc_DEF-1/chat')).toEqual({ name: 'workspace', workspaceId: 'abc_DEF-1', tab: 'chat' });
    expect(parseRoute('#/w/abc')).toEqual({ name: 'workspace', workspaceId: 'abc', tab: 'plan' });
    expect(parseRoute('#/devices')).toEqual({ name: 'devices' });
    for (const hash of ['#/', '#/devices', '#/w/x1/members', '#/w/x1/safety']) expect(routeHash(parseRoute(hash))).toBe(hash);
  });

  it('falls back to the list or the plan for anything unknown', () => {
    expect(parseRoute('#/w/../etc')).toEqual({ name: 'list' });
    expect(parseRoute('#/w/<script>/chat')).toEqual({ name: 'list' });
    expect(parseRoute('#/w/abc/unknown')).toEqual({ name: 'workspace', workspaceId: 'abc', tab: 'plan' });
    expect(parseRoute('#/elsewhere')).toEqual({ name: 'list' });
    expect(parseRoute('#/devices/7')).toEqual({ name: 'list' });
  });
});
