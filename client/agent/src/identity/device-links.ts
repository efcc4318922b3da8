/**
 * A person's further devices. A device holding the person's user key makes a link code
 * (`lnk_…` id, secret, root fingerprint, the device id the server reserved) and registers
 * only its id. The new device redeems it with its keys and an HMAC under the secret, and
 * shows six digits derived from the secret and its identity key. This device lists such
 * enrolments with the same six digits; when the person approves (after comparing them),
 * it signs the new device's certificate with the user key. A device the server enrols by
 * itself has no proof and no certificate, so no agent ever trusts it.
 *
 * Revoking a device signs a revocation with the user key; every agent then stops
 * trusting that device and owners remove it from their workspaces.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import type { Logger } from 'pino';
import { approvalCode, checkEnrolmentProof, formatOneTimeCode, newOneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import { identityKeyHash, signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { fromBase64, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import type { PendingEnrolment } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, MemberDevice } from '@yhteispoyta/crypto/types';
import type { ProblemSink, RestClient } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import type { CertificateBook } from './certificate-book';

/** A device waiting for this person's approval. */
export interface PendingDevice {
  readonly deviceId: number;
  readonly codeId: string;
  /** the six digits the new device shows; compare before approving */
  readonly approvalCode: string;
  readonly enrolledAt: number;
}

/** Why a link operation was refused. */
export class DeviceLinkError extends Error {
  override readonly name = 'DeviceLinkError';
  constructor(
    readonly code: 'no_user_key' | 'unknown_device' | 'not_certified',
    message: string,
  ) {
    super(message);
  }
}

/** What device links work with. */
export interface DeviceLinkDeps {
  readonly profile: ProfileDb;
  readonly rest: RestClient;
  readonly self: DeviceRef;
  /** the person's private user key, on the device that holds it */
  readonly userKey: () => PrivateKey | undefined;
  readonly rootFingerprint: string;
  readonly book: CertificateBook;
  readonly problems: ProblemSink;
  readonly log: Logger;
  readonly now?: () => number;
}

/** Link codes, approvals and revocations of this person's devices. */
export class DeviceLinks {
  readonly #deps: DeviceLinkDeps;
  readonly #now: () => number;
  /** link codes whose forged enrolment was already reported */
  readonly #reported = new Set<string>();

  constructor(deps: DeviceLinkDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Whether this device can approve and revoke devices (it holds the user key). */
  canApprove(): boolean {
    return this.#deps.userKey() !== undefined;
  }

  /** A code with which the person enrols one more device. */
  async createCode(): Promise<{ code: string; deviceId: number; expiresAt: number }> {
    this.#requireUserKey();
    const code = newOneTimeCode('device_link', this.#deps.rootFingerprint);
    const issued = await this.#deps.rest.call('createLinkCode', { body: { codeId: code.codeId } });
    this.#deps.profile.db
      .prepare('INSERT INTO identity_link_codes (code_id, device_id, secret, expires_at, state) VALUES (?, ?, ?, ?, ?)')
      .run([code.codeId, issued.deviceId, code.secret, issued.expiresAt, 'open']);
    return { code: formatOneTimeCode({ ...code, deviceId: issued.deviceId }), deviceId: issued.deviceId, expiresAt: issued.expiresAt };
  }

  /** Devices that redeemed one of this device's link codes with a valid proof and wait for approval. */
  async pending(): Promise<PendingDevice[]> {
    const { enrolments } = await this.#deps.rest.call('pendingDevices', {});
    const out: PendingDevice[] = [];
    for (const enrolment of enrolments) {
      const checked = this.#check(enrolment);
      if (checked !== undefined) out.push({ deviceId: enrolment.deviceId, codeId: enrolment.codeId, approvalCode: checked.approvalCode, enrolledAt: enrolment.enrolledAt });
    }
    return out;
  }

  /**
   * Approve a pending device: sign its certificate with the user key. Returns the device
   * as the chain names it. Rejects with DeviceLinkError when it is not pending here.
   */
  async approve(deviceId: number): Promise<MemberDevice> {
    const userKey = this.#requireUserKey();
    const { enrolments } = await this.#deps.rest.call('pendingDevices', {});
    const enrolment = enrolments.find((e) => e.deviceId === deviceId && this.#check(e) !== undefined);
    if (enrolment === undefined) throw new DeviceLinkError('unknown_device', `device ${deviceId} is not waiting for approval with a valid link code of this device`);
    const cert = signCertificate({ t: 'device', v: 1, userId: this.#deps.self.userId, deviceId, identityKey: enrolment.identityKey, created: this.#now() }, userKey);
    await this.#deps.rest.call('storeCertificate', { body: { certificate: cert } });
    this.#deps.profile.db.prepare("UPDATE identity_link_codes SET state = 'approved' WHERE code_id = ?").run([enrolment.codeId]);
    await this.#deps.book.refresh([this.#deps.self.userId]);
    return { deviceId, keyHash: identityKeyHash(fromBase64(enrolment.identityKey) as Uint8Array) };
  }

  /**
   * Refuse a waiting device (its digits did not match the new device's, or nobody asked
   * for it): its link code is closed here, so it is never offered for approval again.
   */
  async reject(deviceId: number): Promise<void> {
    this.#requireUserKey();
    const { enrolments } = await this.#deps.rest.call('pendingDevices', {});
    const enrolment = enrolments.find((e) => e.deviceId === deviceId && this.#check(e) !== undefined);
    if (enrolment === undefined) throw new DeviceLinkError('unknown_device', `device ${deviceId} is not waiting for approval with a link code of this device`);
    this.#deps.profile.db.prepare("UPDATE identity_link_codes SET state = 'refused' WHERE code_id = ?").run([enrolment.codeId]);
  }

  /** Revoke one of this person's certified devices (lost laptop). */
  async revoke(deviceId: number): Promise<void> {
    const userKey = this.#requireUserKey();
    const person = this.#deps.book.person(this.#deps.self.userId);
    const device = person?.devices.find((d) => d.deviceId === deviceId);
    if (device === undefined) throw new DeviceLinkError('unknown_device', `device ${deviceId} is not a certified device of this person`);
    const revocation = signCertificate(
      { t: 'device_revocation', v: 1, userId: this.#deps.self.userId, deviceId, identityKey: toBase64(device.identityKey), revokedAt: this.#now() },
      userKey,
    );
    await this.#deps.rest.call('storeCertificate', { body: { certificate: revocation } });
    await this.#deps.book.refresh([this.#deps.self.userId]);
  }

  /** The approval digits of an enrolment that proves one of this device's open link codes, or undefined. */
  #check(enrolment: PendingEnrolment): { approvalCode: string } | undefined {
    if (enrolment.kind !== 'device_link' || enrolment.userId !== this.#deps.self.userId) return undefined;
    const row = this.#deps.profile.db.prepare('SELECT device_id, secret, state FROM identity_link_codes WHERE code_id = ?').get([enrolment.codeId]);
    if (row === undefined || !(row.secret instanceof Uint8Array) || row.state !== 'open' || Number(row.device_id) !== enrolment.deviceId) return undefined;
    const secret = toBytes(row.secret);
    const claim = { codeId: enrolment.codeId, deviceId: enrolment.deviceId, identityKey: enrolment.identityKey };
    if (!checkEnrolmentProof(secret, claim, enrolment.proof)) {
      this.#deps.log.warn({ codeId: enrolment.codeId }, 'link enrolment without a valid proof ignored');
      if (!this.#reported.has(enrolment.codeId)) {
        this.#reported.add(enrolment.codeId);
        this.#deps.problems.report({
          code: 'enrolment_refused',
          message: `A device enrolled as device ${enrolment.deviceId} with one of your link codes, but without the proof of its secret: its keys may have been substituted. It is not approved.`,
          device: { userId: enrolment.userId, deviceId: enrolment.deviceId },
        });
      }
      return undefined;
    }
    const identityKey = fromBase64(enrolment.identityKey);
    return identityKey === undefined ? undefined : { approvalCode: approvalCode(secret, identityKey) };
  }

  #requireUserKey(): PrivateKey {
    const key = this.#deps.userKey();
    if (key === undefined) throw new DeviceLinkError('no_user_key', 'this device does not hold the person\'s user key: approve and revoke devices on the first device');
    return key;
  }
}
