/**
 * Who this device is, as the server told it at enrolment, kept in the profile's settings:
 * the server URL, user, device, organisation, role and display name. The identity key
 * itself lives in the profile's device_identity row; the session token is never stored.
 */
import { z } from 'zod';
import { displayNameSchema, idSchema, prekeyUploadSchema, roleSchema } from '@yhteispoyta/crypto/protocol';
import { deviceIdSchema } from '@yhteispoyta/crypto/identity';
import type { PrekeyUpload } from '@yhteispoyta/crypto/types';
import type { ProfileDb } from '../profile/profile-db';

const ACCOUNT_KEY = 'account';
const PENDING_UPLOAD_KEY = 'account.pending_enrolment';

const accountSchema = z.strictObject({
  v: z.literal(1),
  serverUrl: z.url({ protocol: /^https?$/ }),
  userId: idSchema,
  deviceId: deviceIdSchema,
  orgId: idSchema,
  role: roleSchema,
  displayName: displayNameSchema,
  enrolledAt: z.int().min(0),
});

/** The enrolled account of a profile. */
export type AccountRecord = z.infer<typeof accountSchema>;

function readJson<T>(profile: ProfileDb, key: string, schema: z.ZodType<T>): T | undefined {
  const text = profile.getSetting(key);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`setting ${key} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  // The profile is authenticated by SQLCipher: a record that does not parse is a bug, not an attack.
  if (!parsed.success) throw new Error(`setting ${key} does not parse`);
  return parsed.data;
}

function deleteSetting(profile: ProfileDb, key: string): void {
  profile.db.prepare('DELETE FROM settings WHERE key = ?').run([key]);
}

/** The account of this profile, or undefined before a completed enrolment. */
export function loadAccount(profile: ProfileDb): AccountRecord | undefined {
  return readJson(profile, ACCOUNT_KEY, accountSchema);
}

/** Record a completed enrolment and forget the pending upload, in one transaction. */
export function saveAccount(profile: ProfileDb, account: AccountRecord): void {
  const checked = accountSchema.parse(account);
  profile.transaction(() => {
    profile.setSetting(ACCOUNT_KEY, JSON.stringify(checked));
    deleteSetting(profile, PENDING_UPLOAD_KEY);
  });
}

/**
 * The public prekey upload of an enrolment that did not complete (public parts only);
 * a retry sends the same keys again, so no private prekeys pile up unused.
 */
export function loadPendingUpload(profile: ProfileDb): PrekeyUpload | undefined {
  return readJson(profile, PENDING_UPLOAD_KEY, prekeyUploadSchema);
}

/** Remember the upload of an enrolment in progress. */
export function savePendingUpload(profile: ProfileDb, upload: PrekeyUpload): void {
  profile.setSetting(PENDING_UPLOAD_KEY, JSON.stringify(upload));
}
