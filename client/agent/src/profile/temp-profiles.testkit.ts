/**
 * Throwaway profiles for unit tests of the stores on a profile: each in its own temporary
 * directory, with the weak test KDF and the module migrations the store needs, closed and
 * removed by `cleanup` (call it in `afterEach`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationSet } from './migrations';
import { createProfile } from './profile-db';
import type { ProfileDb } from './profile-db';

/** A set of temporary profiles made by one test file. */
export interface TempProfiles {
  /** A new open profile with `migrations` applied. */
  create(migrations: readonly MigrationSet[]): Promise<ProfileDb>;
  /** Close every profile made so far and remove its directory. */
  cleanup(): void;
}

/** Temporary profiles whose directories start with `prefix`. */
export function tempProfiles(prefix: string): TempProfiles {
  const made: { profile: ProfileDb; dir: string }[] = [];
  return {
    async create(migrations) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      const created = await createProfile(dir, 'p', 'salasana', { unsafeWeakKdfForTests: true, migrations });
      if (!created.ok) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`test profile: ${created.error}`);
      }
      made.push({ profile: created.profile, dir });
      return created.profile;
    },
    cleanup() {
      for (const { profile, dir } of made.splice(0)) {
        profile.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
