/**
 * The certificate part of the storage port: the deployment root and the certificates
 * (signatures checked by the caller before anything is put).
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { Certificate, CertificateType } from '@yhteispoyta/crypto/certificates/types';
import type { CertificateLogStore } from './log';
import type { Fail, Ok } from './results';

/** The deployment root's public key, set once by the service owner's tooling. */
export interface RootRecord {
  /** serialized public key */
  readonly key: Bytes;
  readonly setAt: number;
}

/**
 * A stored certificate (signature checked by the caller before it was put). The subject
 * columns are derived from the body by the store (see certificate-columns.ts), so both
 * adapters look certificates up by the same rules.
 */
export interface CertificateRecord {
  /** hex SHA-256 of the certificate's canonical JSON (`certificateId`) */
  readonly id: string;
  readonly type: CertificateType;
  /** the person the certificate is about (user, device, client, both revocations) */
  readonly userId?: string;
  /** the organisation it is about or issued under (org, user, user revocation) */
  readonly orgId?: string;
  /** device certificates and device revocations */
  readonly deviceId?: number;
  readonly certificate: Certificate;
  readonly storedAt: number;
}

/** The types of certificate filed under an organisation (see {@link CertificateStore.listCertificatesOfOrgs}). */
export type OrgCertificateType = Extract<CertificateType, 'org' | 'user' | 'user_revocation'>;

/**
 * The root, the certificates and their transparency log. Every method is safe to call
 * concurrently.
 */
export interface CertificateStore {
  /**
   * The log every stored certificate is appended to (parts/log.ts). It hangs off this part
   * because putCertificate writes it: a caller that can store certificates can read the
   * log of what was stored.
   */
  readonly log: CertificateLogStore;
  /** The deployment root, or null before it is set. */
  getRoot(): Promise<RootRecord | null>;
  /**
   * Set the deployment root once. The same key again is `ok` (a retried set-up); another
   * key is `conflict` with the key already set: the root never changes under agents that
   * pinned it. Of concurrent first sets exactly one key wins.
   */
  setRoot(root: RootRecord): Promise<Ok | Fail<'conflict', { current: RootRecord }>>;
  /**
   * Store a certificate and append it to the log, atomically. Idempotent by certificate
   * id: storing the same certificate again is `ok` with `created: false` and changes
   * nothing (except appending it to the log if an earlier store crashed before it could).
   */
  putCertificate(certificate: Certificate, storedAt: number): Promise<Ok<{ id: string; created: boolean }>>;
  /** Certificates whose subject is one of these users (user, client, device, revocations), oldest first, at most `limit`. */
  listCertificatesOfUsers(userIds: readonly string[], limit: number): Promise<CertificateRecord[]>;
  /**
   * Certificates of `type` issued under these organisations (`org`: the organisations'
   * own; `user`, `user_revocation`: of their people), oldest first, at most `limit`.
   */
  listCertificatesOfOrgs(orgIds: readonly string[], type: OrgCertificateType, limit: number): Promise<CertificateRecord[]>;
}
