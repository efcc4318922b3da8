/**
 * Enrolment (DESIGN §3): a fresh profile becomes a device. The identity and prekeys are
 * generated and kept in the profile BEFORE the upload, so whatever key the server hands
 * out is one this device holds; the account is recorded only after the server accepted
 * the upload. A failed attempt leaves the profile re-enrollable: the next attempt (with
 * the same or a new code) sends the very same public keys again.
 */
import { pino } from 'pino';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { installPrekeys } from '@yhteispoyta/crypto/memory-stores';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import { oneTimeCodeSchema } from '@yhteispoyta/crypto/protocol';
import type { ErrorCode } from '@yhteispoyta/crypto/protocol';
import { toBase64 } from '@yhteispoyta/crypto/bytes';
import { MAX_DEVICE_ID, MIN_DEVICE_ID } from '@yhteispoyta/crypto/types';
import type { PrekeyUpload } from '@yhteispoyta/crypto/types';
import { RestError } from '../contracts';
import { HttpRestClient } from '../net/rest-client';
import type { ProfileDb } from '../profile/profile-db';
import { SqlSignalStores } from '../profile/signal-stores';
import { loadAccount, loadPendingUpload, saveAccount, savePendingUpload } from './account-record';
import { Device } from './device';
import type { DeviceOptions } from './device';
import { PREKEY_TARGET, PrekeyMaintenance } from './prekey-maintenance';

/** What {@link enrolDevice} needs besides the profile. */
export interface EnrolOptions extends DeviceOptions {
  /** base URL of the central server */
  readonly serverUrl: string;
  /** the one-time enrolment, invitation or device-link code */
  readonly code: string;
  /** 1 for a user's first device; a device-link code names another */
  readonly deviceId?: number;
}

/** Why enrolment failed: the server's code, `offline`, `bad_response`, or a local refusal. */
export type EnrolFailureCode =
  | ErrorCode
  | 'offline'
  | 'bad_response'
  /** the profile already belongs to an enrolled device */
  | 'already_enrolled'
  /** the profile holds the identity of an unfinished enrolment of another device id */
  | 'other_device';

/** Result of {@link enrolDevice}. */
export type EnrolResult =
  | { readonly ok: true; readonly device: Device }
  | { readonly ok: false; readonly code: EnrolFailureCode; readonly message: string };

/** Enrol `profile` as a new device with a one-time code. Never throws for server or input errors. */
export async function enrolDevice(profile: ProfileDb, opts: EnrolOptions): Promise<EnrolResult> {
  const log = (opts.log ?? pino({ level: 'silent' })).child({ module: 'account/enrol' });
  const deviceId = opts.deviceId ?? 1;
  if (!Number.isInteger(deviceId) || deviceId < MIN_DEVICE_ID || deviceId > MAX_DEVICE_ID) {
    return { ok: false, code: 'bad_request', message: `device id must be ${MIN_DEVICE_ID}..${MAX_DEVICE_ID}` };
  }
  if (!oneTimeCodeSchema.safeParse(opts.code).success) return { ok: false, code: 'bad_request', message: 'the code is malformed' };
  if (loadAccount(profile) !== undefined) return { ok: false, code: 'already_enrolled', message: 'this profile is already enrolled' };

  const prepared = await prepareKeys(profile, deviceId);
  if (!prepared.ok) return prepared;
  const { identity, upload } = prepared;

  const rest = new HttpRestClient({ baseUrl: opts.serverUrl, log: opts.log, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  let enrolled;
  try {
    enrolled = await rest.call('enrol', {
      body: { code: opts.code, prekeys: { ...upload, oneTimePreKeys: [...upload.oneTimePreKeys], oneTimeKyberPreKeys: [...upload.oneTimeKyberPreKeys] } },
    });
  } catch (error) {
    if (error instanceof RestError) {
      log.info({ code: error.code }, 'enrolment refused');
      return { ok: false, code: error.code, message: error.message };
    }
    throw error;
  }
  if (enrolled.deviceId !== identity.deviceId) {
    return { ok: false, code: 'bad_response', message: `the server registered device ${enrolled.deviceId}, not ${identity.deviceId}` };
  }
  const now = (opts.now ?? Date.now)();
  profile.transaction(() => {
    saveAccount(profile, { v: 1, serverUrl: opts.serverUrl.replace(/\/+$/, ''), ...enrolled, enrolledAt: now });
    PrekeyMaintenance.noteSignedPreKeyCreated(profile, upload.signedPreKey.id, now);
  });
  log.info({ userId: enrolled.userId, deviceId: enrolled.deviceId }, 'enrolled');
  const device = Device.open(profile, opts);
  if (device === undefined) throw new Error('enrolment was recorded but the device does not open');
  return { ok: true, device };
}

type Prepared = { ok: true; identity: DeviceIdentity; upload: PrekeyUpload } | { ok: false; code: 'other_device'; message: string };

/** The identity and public upload of this enrolment: the unfinished one's if there is one. */
async function prepareKeys(profile: ProfileDb, deviceId: number): Promise<Prepared> {
  const stores = new SqlSignalStores(profile);
  const existing = stores.loadDeviceIdentity();
  if (existing !== undefined && existing.deviceId !== deviceId) {
    return {
      ok: false,
      code: 'other_device',
      message: `this profile holds the keys of an unfinished enrolment as device ${existing.deviceId}; enrol with that device id or use a new profile`,
    };
  }
  const identity = existing ?? generateDeviceIdentity(deviceId);
  const ownKey = toBase64(identity.identityKeyPair.publicKey.serialize());
  const pending = loadPendingUpload(profile);
  if (existing !== undefined && pending !== undefined && pending.identityKey === ownKey && pending.deviceId === deviceId) {
    return { ok: true, identity, upload: pending };
  }
  if (existing === undefined && !stores.saveDeviceIdentity(identity)) throw new Error('profile refused the new device identity');
  const ids = stores.nextPrekeyIds(PREKEY_TARGET + 1);
  const { records, upload } = generatePrekeys(identity, {
    signedPreKeyId: ids.signedPreKeyId,
    lastResortKyberId: ids.kyberPreKeyId,
    firstKyberId: ids.kyberPreKeyId + 1,
    firstPreKeyId: ids.preKeyId,
    count: PREKEY_TARGET,
  });
  await installPrekeys(stores, records);
  savePendingUpload(profile, upload);
  return { ok: true, identity, upload };
}
