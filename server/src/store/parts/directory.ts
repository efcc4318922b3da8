/**
 * The directory part of the storage port: organisations, users, devices and the prekey
 * directory.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import type { ClaimedBundle, DeviceRef, PrekeyUpload, PublicPrekey, Role, SignedPublicPrekey } from '@yhteispoyta/crypto/types';
import type { Fail, Ok } from './results';

/** An organisation (municipality, Kela office, health district …). */
export interface OrgRecord {
  readonly id: string;
  /** the name its certificate gives it */
  readonly name: string;
  readonly createdAt: number;
  /**
   * the newest organisation certificate the deployment root signed for it; absent only
   * for the built-in clients organisation, which no root certifies (clients are
   * certified one by one by the professionals who invite them)
   */
  readonly certificate?: Certificate<'org'>;
}

/** A person: a professional of an organisation or a client person. */
export interface UserRecord {
  readonly id: string;
  readonly orgId: string;
  readonly role: Role;
  readonly displayName: string;
  readonly createdAt: number;
}

/** One registered libsignal device of a user, with its public long-term prekeys. */
export interface DeviceRecord {
  readonly userId: string;
  /** 1–127 */
  readonly deviceId: number;
  /** serialized identity PublicKey */
  readonly identityKey: Bytes;
  readonly registrationId: number;
  readonly signedPreKey: SignedPublicPrekey;
  readonly lastResortKyberPreKey: SignedPublicPrekey;
  readonly createdAt: number;
}

/** How many one-time prekeys a device has left on the server. */
export interface PrekeyCounts {
  readonly oneTimePreKeys: number;
  readonly oneTimeKyberPreKeys: number;
}

/** Organisations, users, devices and their public prekeys. Every method is safe to call concurrently. */
export interface DirectoryStore {
  /** Create an organisation. */
  createOrg(org: OrgRecord): Promise<Ok | Fail<'exists'>>;
  /** An organisation, or null. */
  getOrg(id: string): Promise<OrgRecord | null>;
  /** Every organisation, oldest first. */
  listOrgs(): Promise<OrgRecord[]>;
  /**
   * Replace the certificate (and the name) of the organisation a renewal names. `stale` when the
   * stored certificate has a later `notBefore`: an older certificate never replaces a
   * newer one, whatever order renewals arrive in.
   */
  setOrgCertificate(certificate: Certificate<'org'>): Promise<Ok | Fail<'not_found' | 'stale'>>;
  /** Create a user in an existing organisation. */
  createUser(user: UserRecord): Promise<Ok | Fail<'exists' | 'unknown_org'>>;
  /** A user, or null. */
  getUser(id: string): Promise<UserRecord | null>;
  /** The users of an organisation, oldest first. */
  listUsers(orgId: string): Promise<UserRecord[]>;

  /** Register a device with its public prekeys (signatures already verified by the caller). */
  registerDevice(
    userId: string,
    upload: PrekeyUpload,
    createdAt: number,
  ): Promise<Ok | Fail<'unknown_user' | 'device_exists' | 'invalid_device_id' | 'invalid_identity_key'>>;
  /** A device, or null if never registered. */
  getDevice(ref: DeviceRef): Promise<DeviceRecord | null>;
  /** A user's devices by deviceId. */
  listDevices(userId: string): Promise<DeviceRecord[]>;
  /**
   * Hand out a bundle for an active device. Each one-time EC and Kyber prekey is handed
   * out at most once, also under concurrency; when none is left the bundle has no `preKey`
   * and carries the last-resort Kyber prekey. null for an unknown device.
   */
  claimBundle(ref: DeviceRef): Promise<ClaimedBundle | null>;
  /** Remaining one-time prekeys; null for an unknown device. */
  prekeyCounts(ref: DeviceRef): Promise<PrekeyCounts | null>;
  /**
   * Top up one-time prekeys. Ids the device already has on the server are skipped, so a
   * retried upload is harmless; `added` counts the new ones.
   */
  addOneTimePrekeys(
    ref: DeviceRef,
    preKeys: readonly PublicPrekey[],
    kyberPreKeys: readonly SignedPublicPrekey[],
  ): Promise<Ok<{ added: PrekeyCounts }> | Fail<'not_found'>>;
  /** Replace the signed EC prekey and, if given, the last-resort Kyber prekey. */
  replaceSignedPrekeys(
    ref: DeviceRef,
    signedPreKey: SignedPublicPrekey,
    lastResortKyberPreKey?: SignedPublicPrekey,
  ): Promise<Ok | Fail<'not_found'>>;
}
