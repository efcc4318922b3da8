/**
 * What the store's certificates say about one person, as the server's checks need it:
 * the keys that may sign for him, whether he is revoked, and which of his devices are
 * certified or revoked. Every certificate here had its signer checked when it was stored
 * (certificate-checks.ts), so these are lookups, not verifications; agents verify the
 * whole chain themselves from the root.
 */
import { bytesEqual, fromBase64 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { MAX_BUNDLE_CERTIFICATES } from '@yhteispoyta/crypto/certificates/person';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import type { Needs } from '../context';
import type { CertificateRecord } from '../store/port';

/** One person's stored certificates, sorted by type. */
export interface StoredPerson {
  readonly userId: string;
  readonly users: readonly Certificate<'user'>[];
  readonly clients: readonly Certificate<'client'>[];
  readonly devices: readonly Certificate<'device'>[];
  readonly userRevocations: readonly Certificate<'user_revocation'>[];
  readonly deviceRevocations: readonly Certificate<'device_revocation'>[];
}

const keyOf = (base64: string): Bytes[] => {
  const bytes = fromBase64(base64);
  return bytes === undefined ? [] : [bytes];
};

/** Sort a person's certificate records by type (records about other users are ignored). */
function storedPersonOf(userId: string, records: readonly CertificateRecord[]): StoredPerson {
  const person = { userId, users: [], clients: [], devices: [], userRevocations: [], deviceRevocations: [] } as {
    userId: string;
    users: Certificate<'user'>[];
    clients: Certificate<'client'>[];
    devices: Certificate<'device'>[];
    userRevocations: Certificate<'user_revocation'>[];
    deviceRevocations: Certificate<'device_revocation'>[];
  };
  for (const { certificate: c, userId: subject } of records) {
    if (subject !== userId) continue;
    switch (c.body.t) {
      case 'user': person.users.push(c as Certificate<'user'>); break;
      case 'client': person.clients.push(c as Certificate<'client'>); break;
      case 'device': person.devices.push(c as Certificate<'device'>); break;
      case 'user_revocation': person.userRevocations.push(c as Certificate<'user_revocation'>); break;
      case 'device_revocation': person.deviceRevocations.push(c as Certificate<'device_revocation'>); break;
      case 'org': break;
    }
  }
  return person;
}

/** Load one person's stored certificates. */
export async function loadStoredPerson(ctx: Needs<'certificates'>, userId: string): Promise<StoredPerson> {
  return storedPersonOf(userId, await ctx.store.certificates.listCertificatesOfUsers([userId], MAX_BUNDLE_CERTIFICATES));
}

/** Whether the organisation revoked this user certificate (by its serial). */
function isUserCertificateRevoked(person: StoredPerson, cert: Certificate<'user'>): boolean {
  return person.userRevocations.some((r) => r.body.orgId === cert.body.orgId && r.body.serial === cert.body.serial);
}

/** Whether the person holds user certificates and his organisation revoked every one of them. */
export function isPersonRevoked(person: StoredPerson): boolean {
  return person.users.length > 0 && person.users.every((c) => isUserCertificateRevoked(person, c));
}

/**
 * The user keys that may sign for the person: those of his unrevoked user certificates
 * and of his client certificates; with `includeRevoked`, also of revoked user certificates
 * (a revoked person's key may still revoke his own devices: that only takes trust away).
 */
export function userKeysOf(person: StoredPerson, includeRevoked = false): Bytes[] {
  const users = includeRevoked ? person.users : person.users.filter((c) => !isUserCertificateRevoked(person, c));
  return [...users.map((c) => c.body.userKey), ...person.clients.map((c) => c.body.userKey)].flatMap(keyOf);
}

const sameKey = (base64: string, key: Uint8Array): boolean => keyOf(base64).some((k) => bytesEqual(k, key));

/** Whether a device certificate of this device id and identity key is stored. */
export function hasDeviceCertificate(person: StoredPerson, deviceId: number, identityKey: Uint8Array): boolean {
  return person.devices.some((c) => c.body.deviceId === deviceId && sameKey(c.body.identityKey, identityKey));
}

/** Whether the person revoked this device id with this identity key. */
export function isDeviceRevoked(person: StoredPerson, deviceId: number, identityKey: Uint8Array): boolean {
  return person.deviceRevocations.some((r) => r.body.deviceId === deviceId && sameKey(r.body.identityKey, identityKey));
}
