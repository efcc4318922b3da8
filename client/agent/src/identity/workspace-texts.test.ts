/**
 * Workspace texts in the profile: the migration that admits statutory bases (record_basis,
 * issue 13) keeps the labels and purposes a profile already holds, and a text is found only
 * under the commitment it hashes to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';
import { defineMigrations } from '../profile/migrations';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { IDENTITY_MIGRATIONS } from './schema';
import { WorkspaceTexts } from './workspace-texts';

let dir: string;
let profile: ProfileDb | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-texts-'));
});
afterEach(() => {
  profile?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('workspace texts', () => {
  it('keep what a profile held before bases existed, and take a basis after the migration', async () => {
    const created = await createProfile(dir, 'sari', 'salasana', { unsafeWeakKdfForTests: true });
    if (!created.ok) throw new Error(created.error);
    profile = created.profile;
    // The profile as an agent before record_basis left it: the first two identity steps.
    profile.migrate(defineMigrations('identity', IDENTITY_MIGRATIONS.steps.slice(0, 2)));
    const texts = new WorkspaceTexts(profile);
    const salt = newTextSalt();
    texts.learn('ws-1', [{ kind: 'purpose', text: 'Toimeentulotuen yhteistyö', salt }]);
    const basis = { kind: 'basis' as const, text: 'Sosiaalihuoltolaki (1301/2014) 42 § – omatyöntekijä', salt };
    expect(() => texts.learn('ws-1', [basis])).toThrow(/CHECK/);

    profile.migrate(IDENTITY_MIGRATIONS);
    expect(texts.purposeFor('ws-1', textCommitment('purpose', 'Toimeentulotuen yhteistyö', salt))).toBe('Toimeentulotuen yhteistyö');
    texts.learn('ws-1', [basis]);
    expect(texts.basisFor('ws-1', textCommitment('basis', basis.text, salt))).toBe(basis.text);
    // Under another kind's commitment (or another workspace) it is not found.
    expect(texts.basisFor('ws-1', textCommitment('purpose', basis.text, salt))).toBeUndefined();
    expect(texts.basisFor('ws-2', textCommitment('basis', basis.text, salt))).toBeUndefined();
  });
});
