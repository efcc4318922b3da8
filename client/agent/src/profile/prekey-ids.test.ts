import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PREKEY_ID } from '@yhteispoyta/crypto/prekeys';
import { nextPrekeyIds, notePrekeyId } from './prekey-ids';
import { createProfile } from './profile-db';
import type { ProfileDb } from './profile-db';

let dir: string;
let profile: ProfileDb;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-prekey-ids-'));
  const created = await createProfile(dir, 'ids', 'salasana', { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  profile = created.profile;
});
afterEach(() => {
  profile.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('prekey ids', () => {
  it('start at 1 and follow the highest id ever noted, never going back', () => {
    expect(nextPrekeyIds(profile)).toEqual({ preKeyId: 1, signedPreKeyId: 1, kyberPreKeyId: 1 });
    notePrekeyId(profile, 'one_time', 40);
    notePrekeyId(profile, 'one_time', 7);
    notePrekeyId(profile, 'kyber', 12);
    expect(nextPrekeyIds(profile)).toEqual({ preKeyId: 41, signedPreKeyId: 1, kyberPreKeyId: 13 });
  });

  it('restart a kind at 1 when a batch would leave the 24-bit id space', () => {
    notePrekeyId(profile, 'signed', MAX_PREKEY_ID - 5);
    expect(nextPrekeyIds(profile, 5).signedPreKeyId).toBe(MAX_PREKEY_ID - 4);
    expect(nextPrekeyIds(profile, 6).signedPreKeyId).toBe(1);
    notePrekeyId(profile, 'signed', 3);
    expect(nextPrekeyIds(profile, 6).signedPreKeyId).toBe(4);
  });

  it('refuse a batch size outside the id space', () => {
    expect(() => nextPrekeyIds(profile, 0)).toThrow(RangeError);
    expect(() => nextPrekeyIds(profile, MAX_PREKEY_ID + 1)).toThrow(RangeError);
  });
});
