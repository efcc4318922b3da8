import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProfileDb } from '../profile/profile-db';
import { tempProfiles } from '../profile/temp-profiles.testkit';
import { EpochKeyStore } from './epoch-key-store';
import { KEYS_MIGRATIONS } from './schema';

const profiles = tempProfiles('yp-epoch-keys-');

async function store(): Promise<{ keys: EpochKeyStore; profile: ProfileDb }> {
  const profile = await profiles.create([KEYS_MIGRATIONS]);
  return { keys: new EpochKeyStore(profile), profile };
}

const key = (fill: number): Uint8Array<ArrayBuffer> => new Uint8Array(new ArrayBuffer(32)).fill(fill);

afterEach(() => {
  vi.restoreAllMocks();
  profiles.cleanup();
});

describe('EpochKeyStore', () => {
  it('reads a key from the profile once, then answers from memory', async () => {
    const { keys, profile } = await store();
    keys.accept('w1', 1, key(1), 'self');
    const prepare = vi.spyOn(profile.db, 'prepare');
    expect(keys.get('w1', 1)).toEqual(key(1));
    expect(keys.newest('w1')).toEqual({ epoch: 1, key: key(1) });
    const queries = prepare.mock.calls.length;
    for (let i = 0; i < 5; i++) {
      expect(keys.get('w1', 1)).toEqual(key(1));
      expect(keys.newest('w1')).toEqual({ epoch: 1, key: key(1) });
    }
    expect(prepare.mock.calls.length).toBe(queries);
    // What is not held is asked each time (a key may arrive).
    expect(keys.get('w1', 2)).toBeUndefined();
    expect(prepare.mock.calls.length).toBe(queries + 1);
  });

  it('names a newly accepted epoch as the newest', async () => {
    const { keys } = await store();
    keys.accept('w1', 1, key(1), 'self');
    expect(keys.newest('w1')?.epoch).toBe(1);
    expect(keys.accept('w1', 2, key(2), { userId: 'u-bob', deviceId: 1 })).toBe('stored');
    expect(keys.newest('w1')).toEqual({ epoch: 2, key: key(2) });
    expect(keys.accept('w1', 2, key(9), 'self')).toBe('conflict');
    expect(keys.get('w1', 2)).toEqual(key(2));
    expect(keys.newest('w2')).toBeUndefined();
  });

  it('never serves a key whose accepting transaction rolled back', async () => {
    const { keys, profile } = await store();
    keys.accept('w1', 1, key(1), 'self');
    expect(keys.newest('w1')?.epoch).toBe(1);
    expect(() =>
      profile.transaction(() => {
        keys.accept('w1', 2, key(2), 'self');
        // Read inside the transaction: the uncommitted key is what the profile answers now.
        expect(keys.get('w1', 2)).toEqual(key(2));
        expect(keys.newest('w1')?.epoch).toBe(2);
        throw new Error('undone');
      }),
    ).toThrow('undone');
    expect(keys.get('w1', 2)).toBeUndefined();
    expect(keys.newest('w1')).toEqual({ epoch: 1, key: key(1) });
  });
});
