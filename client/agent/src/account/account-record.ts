/**
 * Who this device is, kept in the profile's settings: the server URL, the user and device
 * ids the server registered, the kind of code it enrolled with, the organisation and role
 * the server says (shown until certificates tell; never trusted for anyone's keys), and
 * the deployment root this device pinned from its code. The identity key lives in the
 * profile's device_identity row, the person's user key (first devices only) in its own
 * setting; the session token is never stored.
 *
 * Profiles enrolled before certificates existed (record v1) cannot be used: they must
 * enrol again (nothing was released with them).
 */
import { z } from 'zod';
import { PrivateKey } from '@signalapp/libsignal-client';
import { fromBase64, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { publicKeyFieldSchema } from '@yhteispoyta/crypto/certificates/schema';
import { displayNameSchema, idSchema, prekeyUploadSchema, roleSchema } from '@yhteispoyta/crypto/protocol';
import { deviceIdSchema } from '@yhteispoyta/crypto/identity';
import type { PrekeyUpload } from '@yhteispoyta/crypto/types';
import type { ProfileDb } from '../profile/profile-db';

const ACCOUNT_KEY = 'account';
const PENDING_UPLOAD_KEY = 'account.pending_enrolment';
const USER_KEY_KEY = 'account.user_key';

const accountSchema = z.strictObject({
  v: z.literal(2),
  serverUrl: z.url({ protocol: /^https?$/ }),
  userId: idSchema,
  deviceId: deviceIdSchema,
  /** which code enrolled this device: a professional's first device, a client's, or a further device of a person */
  kind: z.enum(['enrolment', 'invitation', 'device_link']),
  orgId: idSchema,
  role: roleSchema,
  /** the name certificates (or, for a client, the inviter's key messages) gave this person, once known */
  displayName: displayNameSchema.optional(),
  /** base64 of the deployment root public key pinned from the code's fingerprint */
  rootKey: publicKeyFieldSchema,
  /** device_link: the six digits the person compares on the approving device */
  approvalCode: z.string().regex(/^[0-9]{3} [0-9]{3}$/).optional(),
  enrolledAt: z.int().min(0),
});

/** Thrown for a profile enrolled before certificates: it must enrol again. */
export class LegacyProfileError extends Error {
  override readonly name = 'LegacyProfileError';
  constructor() {
    super('This profile was enrolled before identities were certified; create a new profile and enrol it again with a new code.');
  }
}

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

/** The account of this profile, or undefined before a completed enrolment. Throws LegacyProfileError for a v1 record. */
export function loadAccount(profile: ProfileDb): AccountRecord | undefined {
  const text = profile.getSetting(ACCOUNT_KEY);
  if (text !== undefined && /"v":1[,}]/.test(text)) throw new LegacyProfileError();
  return readJson(profile, ACCOUNT_KEY, accountSchema);
}

/** Record what certificates say this person is called. */
export function saveDisplayName(profile: ProfileDb, displayName: string): void {
  const account = loadAccount(profile);
  if (account === undefined || account.displayName === displayName) return;
  profile.setSetting(ACCOUNT_KEY, JSON.stringify(accountSchema.parse({ ...account, displayName })));
}

/** The person's private user key (on the device that made it), which signs his device certificates. */
export function loadUserKey(profile: ProfileDb): PrivateKey | undefined {
  const text = profile.getSetting(USER_KEY_KEY);
  if (text === undefined) return undefined;
  const bytes = fromBase64(text);
  if (bytes === undefined) throw new Error('setting account.user_key is not base64');
  return PrivateKey.deserialize(bytes);
}

/** Keep the person's private user key (inside the encrypted profile). */
export function saveUserKey(profile: ProfileDb, key: PrivateKey): void {
  profile.setSetting(USER_KEY_KEY, toBase64(toBytes(key.serialize())));
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
