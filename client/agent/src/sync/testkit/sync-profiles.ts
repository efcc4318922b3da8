/**
 * For the unit tests of the sync engine's stores on a profile: throwaway profiles with the
 * sync migrations, closed and removed (and every spy restored) after each test, and
 * (workspace, stream) pairs that look alike when joined, for stores that keep memory
 * keyed by the pair.
 */
import { afterEach, vi } from 'vitest';
import type { ProfileDb } from '../../profile/profile-db';
import { tempProfiles } from '../../profile/temp-profiles.testkit';
import { SYNC_MIGRATIONS } from '../sync-schema';

/** A maker of sync profiles whose directories start with `prefix`; call at the top of a test file. */
export function syncProfiles(prefix: string): () => Promise<ProfileDb> {
  const profiles = tempProfiles(prefix);
  afterEach(() => {
    vi.restoreAllMocks();
    profiles.cleanup();
  });
  return () => profiles.create([SYNC_MIGRATIONS]);
}

/** The first and the third pair join to the same text (`w1doc:plan`); a name made that way would mix them up. */
export const LOOK_ALIKE_STREAMS = [
  ['w1', 'doc:plan'],
  ['w1', 'chat'],
  ['w1d', 'oc:plan'],
  ['w2', 'doc:plan'],
] as const;
