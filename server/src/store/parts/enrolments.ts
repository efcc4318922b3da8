/**
 * The enrolment part of the storage port: devices that redeemed a code and wait for the
 * code's issuer to check their proof and certify them.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { CodeKind } from './auth';
import type { Fail, Ok } from './results';

/**
 * A device that redeemed a code, waiting for the code's issuer to check its proof and
 * certify it. It stays as a record after it is closed (its device certificate stored).
 */
export interface EnrolmentRecord {
  readonly codeId: string;
  readonly kind: CodeKind;
  readonly userId: string;
  /** the user's organisation when the device enrolled */
  readonly orgId: string;
  readonly deviceId: number;
  /** serialized identity key the device registered */
  readonly identityKey: Bytes;
  readonly registrationId: number;
  /** the person's new user key (enrolment and invitation codes) */
  readonly userKey?: Bytes;
  /** the device certificate the device signed with that user key */
  readonly deviceCertificate?: Certificate<'device'>;
  /** hex HMAC under the code's secret: the server cannot check it, the issuer does */
  readonly proof: string;
  readonly enrolledAt: number;
  /** the device that issued the code (invitations, link codes) */
  readonly issuedBy?: DeviceRef;
  /** invitations: the case workspace the client was invited into */
  readonly workspaceId?: string;
  /** when the device certificate of this (user, device, identity key) was stored */
  readonly closedAt?: number;
}

/** Input of {@link EnrolmentStore.createEnrolment}. */
export type NewEnrolment = Omit<EnrolmentRecord, 'closedAt'>;

/**
 * Filter of {@link EnrolmentStore.listEnrolments}: by organisation or by user (one of them,
 * so the query always has an index to use), and optionally by kind and open ones only.
 */
export type EnrolmentQuery = ({ readonly orgId: string; readonly userId?: never } | { readonly userId: string; readonly orgId?: never }) & {
  readonly kind?: CodeKind;
  /** only enrolments not closed yet */
  readonly openOnly?: boolean;
  readonly limit: number;
};

/** Pending and closed enrolments. Every method is safe to call concurrently. */
export interface EnrolmentStore {
  /** Record the enrolment of a device with a code; one per code id (`exists` otherwise). */
  createEnrolment(enrolment: NewEnrolment): Promise<Ok | Fail<'exists'>>;
  /** The enrolment made with a code, open or closed, or null. */
  getEnrolment(codeId: string): Promise<EnrolmentRecord | null>;
  /** Enrolments matching the query, oldest first. */
  listEnrolments(query: EnrolmentQuery): Promise<EnrolmentRecord[]>;
  /**
   * Close the open enrolments of exactly this device and identity key (its device
   * certificate was stored). Returns how many were closed; closing again closes none.
   */
  closeEnrolments(device: DeviceRef, identityKey: Bytes, closedAt: number): Promise<number>;
}
