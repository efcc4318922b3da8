/**
 * Prekey id bookkeeping for enrolment and top-ups. The server may still hand out a
 * public prekey long after this device deleted its private half, so an id is never
 * issued twice: a per-kind high-water mark only grows until the 24-bit id space runs out.
 */
import { MAX_ONE_TIME_PREKEYS_PER_UPLOAD, MAX_PREKEY_ID } from '@yhteispoyta/crypto/prekeys';
import type { ProfileDb } from './profile-db';

/** The three prekey id spaces: one-time EC, signed EC, Kyber (one-time and last-resort share it). */
export type PrekeyKind = 'one_time' | 'signed' | 'kyber';

/** Raise the high-water mark of `kind` to `id` (never lowers it). */
export function notePrekeyId(profile: ProfileDb, kind: PrekeyKind, id: number): void {
  profile.db
    .prepare(
      `INSERT INTO prekey_id_high_water (kind, last_id) VALUES (?, ?)
       ON CONFLICT (kind) DO UPDATE SET last_id = max(last_id, excluded.last_id)`,
    )
    .run([kind, id]);
}

/** First ids for a new batch of prekeys of each kind. */
export interface NextPrekeyIds {
  readonly preKeyId: number;
  readonly signedPreKeyId: number;
  /** the last-resort Kyber prekey, when one is generated, takes an id from this run too */
  readonly kyberPreKeyId: number;
}

/**
 * The first never-issued id of each kind such that `batch` consecutive ids fit in the
 * 24-bit space. When they would not, that kind restarts at 1 (its mark is reset here);
 * by then 16 million ids have been issued and the old ones are long consumed.
 */
export function nextPrekeyIds(profile: ProfileDb, batch = MAX_ONE_TIME_PREKEYS_PER_UPLOAD + 1): NextPrekeyIds {
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_PREKEY_ID) throw new RangeError('batch out of range');
  return profile.transaction(() => {
    const next = (kind: PrekeyKind): number => {
      const last = profile.db.prepare('SELECT last_id FROM prekey_id_high_water WHERE kind = ?', { pluck: true }).get([kind]);
      const first = (typeof last === 'number' ? last : 0) + 1;
      if (first + batch - 1 <= MAX_PREKEY_ID) return first;
      profile.db.prepare('UPDATE prekey_id_high_water SET last_id = 0 WHERE kind = ?').run([kind]);
      return 1;
    };
    return { preKeyId: next('one_time'), signedPreKeyId: next('signed'), kyberPreKeyId: next('kyber') };
  });
}

/** One-time prekeys still held (unused), per kind: the trigger for a top-up. */
export function countOneTimePrekeys(profile: ProfileDb): { readonly preKeys: number; readonly kyberPreKeys: number } {
  const count = (sql: string): number => {
    const value = profile.db.prepare(sql, { pluck: true }).get();
    return typeof value === 'number' ? value : 0;
  };
  return {
    preKeys: count('SELECT count(*) FROM one_time_prekeys'),
    kyberPreKeys: count('SELECT count(*) FROM kyber_prekeys WHERE last_resort = 0'),
  };
}
