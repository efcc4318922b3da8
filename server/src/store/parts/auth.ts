/**
 * The auth part of the storage port: single-use codes (by id: their secret never reaches
 * the server), login challenges and sessions (tokens stored only as SHA-256).
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Fail, Ok } from './results';

/** What a single-use code is for. */
export const CODE_KINDS = ['enrolment', 'invitation', 'device_link'] as const;
export type CodeKind = (typeof CODE_KINDS)[number];

/**
 * A single-use code as stored, keyed by its id (`enr_…`, `inv_…`, `lnk_…`). The code's
 * secret never reaches the server: the issuer keeps it, and the redeeming device proves
 * knowledge of it to the issuer, not to the server. `userId` is the user a device
 * registered with this code belongs to.
 */
export interface CodeRecord {
  readonly codeId: string;
  readonly kind: CodeKind;
  readonly userId: string;
  /** context for the issuer: the workspace of an invitation, the issuing device, a link code's device id */
  readonly detail: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly usedAt?: number;
}

/** Input of {@link AuthStore.createCode}. */
export type NewCode = Omit<CodeRecord, 'usedAt'>;

/** A login challenge: the device must sign `nonce` with its identity key. */
export interface ChallengeRecord {
  readonly id: string;
  readonly device: DeviceRef;
  readonly nonce: Bytes;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** A login session as stored: only SHA-256 of the bearer token (`tokenHash`, hex). */
export interface SessionRecord {
  readonly tokenHash: string;
  readonly device: DeviceRef;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Input of {@link AuthStore.createSession}: the plaintext token is hashed, never stored. */
export interface NewSession {
  readonly token: string;
  readonly device: DeviceRef;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Codes, challenges and sessions. Every method is safe to call concurrently. */
export interface AuthStore {
  /** Register a new code id (`exists` if the id is taken, used or not). */
  createCode(code: NewCode): Promise<Ok | Fail<'exists'>>;
  /**
   * Atomically use a code of the given kind: exactly one caller ever gets `ok`.
   * A code of another kind is `not_found`.
   */
  consumeCode(
    codeId: string,
    kind: CodeKind,
    now: number,
  ): Promise<Ok<{ record: CodeRecord }> | Fail<'not_found' | 'expired' | 'used'>>;

  /** Store a login challenge. */
  createChallenge(challenge: ChallengeRecord): Promise<Ok | Fail<'exists'>>;
  /** Atomically take (and delete) a challenge: exactly one caller ever gets it. */
  consumeChallenge(id: string, now: number): Promise<Ok<{ record: ChallengeRecord }> | Fail<'not_found' | 'expired'>>;
  /** Store a session (only SHA-256 of the token; the record's `tokenHash` is that hash). */
  createSession(session: NewSession): Promise<SessionRecord>;
  /** The unexpired session of a bearer token (looked up by the token's hash), or null. */
  getSession(token: string, now: number): Promise<SessionRecord | null>;
  /** Delete expired challenges, sessions and codes (used or not). Returns how many rows. */
  purgeExpired(now: number): Promise<number>;
}
