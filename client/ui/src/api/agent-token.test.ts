import { describe, expect, it } from 'vitest';
import { adoptAgentToken, agentToken, forgetAgentToken } from './agent-token';
import type { TokenPlace } from './agent-token';

const TOKEN = 'A'.repeat(20) + '_-' + 'b'.repeat(21);

function place(hash: string): TokenPlace & { replaced: string[]; stored: Map<string, string> } {
  const stored = new Map<string, string>();
  const replaced: string[] = [];
  return {
    stored,
    replaced,
    location: { hash, pathname: '/', search: '' },
    history: { replaceState: (_data: unknown, _unused: string, url?: string | URL | null) => void replaced.push(String(url)) },
    storage: {
      getItem: (key) => stored.get(key) ?? null,
      setItem: (key, value) => void stored.set(key, value),
      removeItem: (key) => void stored.delete(key),
    },
  };
}

describe('the agent token in the tab', () => {
  it('moves a token from the fragment into session storage and out of the address', () => {
    const p = place(`#token=${TOKEN}`);
    expect(adoptAgentToken(p)).toBe(TOKEN);
    expect(p.replaced).toEqual(['/#/']);
    expect(agentToken(p)).toBe(TOKEN);
  });

  it('keeps the stored token across a reload without a fragment, and leaves the route alone', () => {
    const p = place(`#token=${TOKEN}`);
    adoptAgentToken(p);
    const reload = { ...p, location: { hash: '#/devices', pathname: '/', search: '' } };
    expect(adoptAgentToken(reload)).toBe(TOKEN);
    expect(p.replaced).toEqual(['/#/']);
  });

  it('has no token in a new tab, drops a malformed one from the address, and forgets a refused one', () => {
    expect(adoptAgentToken(place('#/'))).toBeUndefined();
    const bad = place('#token=<script>');
    expect(adoptAgentToken(bad)).toBeUndefined();
    expect(bad.replaced).toEqual(['/#/']);
    const p = place(`#token=${TOKEN}`);
    adoptAgentToken(p);
    forgetAgentToken(p);
    expect(agentToken(p)).toBeUndefined();
  });
});
