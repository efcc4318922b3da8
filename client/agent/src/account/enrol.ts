/**
 * Enrolment (docs/design.md "Identities"): a fresh profile becomes a device with a one-time
 * code `<codeId>.<secret>.<root fingerprint>[.<device id>]`. The agent first fetches the
 * deployment root and pins it only if it matches the fingerprint in the code (a server
 * that presents another root is refused before anything is sent). It generates the device
 * identity and prekeys and, for a person's first device, the person's user key and the
 * device certificate signed with it; then it sends the public keys with an HMAC under the
 * code's secret, which only the code's issuer can check. The server never sees the
 * secret, so it can substitute no key: the issuer would refuse to certify.
 *
 * Everything is generated and kept in the profile BEFORE the upload, so a failed attempt
 * leaves the profile re-enrollable with the very same keys; the account is recorded only
 * after the server accepted the upload.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { pino } from 'pino';
import { approvalCode, enrolmentProof, parseOneTimeCode, rootFingerprint, userIdForCode } from '@yhteispoyta/crypto/certificates/codes';
import type { OneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import { signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { generateDeviceIdentity } from '@yhteispoyta/crypto/identity';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { generatePrekeys } from '@yhteispoyta/crypto/prekeys';
import type { ErrorCode } from '@yhteispoyta/crypto/protocol';
import { fromBase64, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import type { PrekeyUpload } from '@yhteispoyta/crypto/types';
import { RestError } from '../contracts';
import { HttpRestClient } from '../net/rest-client';
import type { ProfileDb } from '../profile/profile-db';
import { SqlSignalStores } from '../profile/signal-stores';
import { loadAccount, loadPendingUpload, loadUserKey, saveAccount, savePendingUpload, saveUserKey } from './account-record';
import { Device } from './device';
import type { DeviceOptions } from './device';
import { PREKEY_TARGET, PrekeyMaintenance } from './prekey-maintenance';

/** What {@link enrolDevice} needs besides the profile. */
export interface EnrolOptions extends DeviceOptions {
  /** base URL of the central server */
  readonly serverUrl: string;
  /** the one-time enrolment, invitation or device-link code as the person typed it */
  readonly code: string;
}

/** Why enrolment failed: the server's code, `offline`, `bad_response`, or a local refusal. */
export type EnrolFailureCode =
  | ErrorCode
  | 'offline'
  | 'bad_response'
  /** the profile already belongs to an enrolled device */
  | 'already_enrolled'
  /** the profile holds the identity of an unfinished enrolment of another device id */
  | 'other_device'
  /** the server presented a deployment root other than the one the code names */
  | 'root_mismatch';

/** Result of {@link enrolDevice}. */
export type EnrolResult =
  | { readonly ok: true; readonly device: Device }
  | { readonly ok: false; readonly code: EnrolFailureCode; readonly message: string };

/** Enrol `profile` as a new device with a one-time code. Never throws for server or input errors. */
export async function enrolDevice(profile: ProfileDb, opts: EnrolOptions): Promise<EnrolResult> {
  const log = (opts.log ?? pino({ level: 'silent' })).child({ module: 'account/enrol' });
  const code = parseOneTimeCode(opts.code);
  if (code === undefined) return { ok: false, code: 'bad_request', message: 'the code is malformed' };
  if (loadAccount(profile) !== undefined) return { ok: false, code: 'already_enrolled', message: 'this profile is already enrolled' };
  const deviceId = code.deviceId ?? 1;

  const rest = new HttpRestClient({ baseUrl: opts.serverUrl, log: opts.log, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const root = await pinRoot(rest, code);
  if (!root.ok) return root;

  const prepared = await prepareKeys(profile, deviceId);
  if (!prepared.ok) return prepared;
  const { identity, upload } = prepared;
  const identityKey = upload.identityKey;
  // A person's first device makes his user key and certifies itself with it; a further device is certified by an existing one.
  const firstDevice = code.kind !== 'device_link';
  const userKey = firstDevice ? (loadUserKey(profile) ?? newUserKey(profile)) : undefined;
  const userKeyText = userKey === undefined ? undefined : toBase64(toBytes(userKey.getPublicKey().serialize()));
  const deviceCertificate =
    userKey === undefined
      ? undefined
      : signCertificate({ t: 'device', v: 1, userId: userIdForCode(code.codeId), deviceId, identityKey, created: (opts.now ?? Date.now)() }, userKey);
  const proof = enrolmentProof(code.secret, { codeId: code.codeId, deviceId, identityKey, ...(userKeyText === undefined ? {} : { userKey: userKeyText }) });

  let enrolled;
  try {
    enrolled = await rest.call('enrol', {
      body: {
        codeId: code.codeId,
        prekeys: { ...upload, oneTimePreKeys: [...upload.oneTimePreKeys], oneTimeKyberPreKeys: [...upload.oneTimeKyberPreKeys] },
        ...(userKeyText === undefined ? {} : { userKey: userKeyText }),
        ...(deviceCertificate === undefined ? {} : { deviceCertificate }),
        proof,
      },
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
  if (firstDevice && enrolled.userId !== userIdForCode(code.codeId)) {
    return { ok: false, code: 'bad_response', message: 'the server registered the device under a user the code does not name' };
  }
  if (enrolled.kind !== code.kind) return { ok: false, code: 'bad_response', message: `the server treated the code as ${enrolled.kind}` };
  const now = (opts.now ?? Date.now)();
  profile.transaction(() => {
    saveAccount(profile, {
      v: 2,
      serverUrl: opts.serverUrl.replace(/\/+$/, ''),
      userId: enrolled.userId,
      deviceId: enrolled.deviceId,
      kind: enrolled.kind,
      orgId: enrolled.orgId,
      role: enrolled.role,
      rootKey: root.rootKey,
      ...(firstDevice ? {} : { approvalCode: approvalCode(code.secret, identity.identityKeyPair.publicKey.serialize()) }),
      enrolledAt: now,
    });
    PrekeyMaintenance.noteSignedPreKeyCreated(profile, upload.signedPreKey.id, now);
  });
  log.info({ userId: enrolled.userId, deviceId: enrolled.deviceId, kind: enrolled.kind }, 'enrolled; waiting for certification');
  const device = Device.open(profile, opts);
  if (device === undefined) throw new Error('enrolment was recorded but the device does not open');
  return { ok: true, device };
}

/** Fetch the deployment root and keep it only if it is the one the code names. */
async function pinRoot(rest: HttpRestClient, code: OneTimeCode): Promise<{ ok: true; rootKey: string } | { ok: false; code: EnrolFailureCode; message: string }> {
  let rootKey: string;
  try {
    ({ rootKey } = await rest.call('getRoot', {}));
  } catch (error) {
    if (error instanceof RestError) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
  const bytes = fromBase64(rootKey);
  if (bytes === undefined || rootFingerprint(bytes) !== code.rootFingerprint) {
    return {
      ok: false,
      code: 'root_mismatch',
      message: 'the server presented a deployment root other than the one this code names; nothing was sent (ask whoever gave you the code)',
    };
  }
  return { ok: true, rootKey };
}

function newUserKey(profile: ProfileDb): PrivateKey {
  const key = PrivateKey.generate();
  saveUserKey(profile, key);
  return key;
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
  stores.installPrekeys(records);
  savePendingUpload(profile, upload);
  return { ok: true, identity, upload };
}
