/**
 * The transparency log part of the storage port (docs/design.md §3.5): one leaf per stored
 * certificate or revocation, numbered 0, 1, 2 … without gaps in the order they were
 * stored. The certificate part appends the leaf in the same transaction (sqlite) or the
 * same guarded step (mongo) as the certificate itself, so nothing is stored that the log
 * does not show; this part reads the leaves and keeps the root's certificate of the log's
 * key. The Merkle tree over the leaves is computed by the server, not stored.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import type { LogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';

/** One leaf with its certificate. */
export interface LogEntry {
  readonly index: number;
  readonly certificate: Certificate;
}

/** The leaves of the log and the log key's certificate. Every method is safe to call concurrently. */
export interface CertificateLogStore {
  /** How many leaves the log holds (they are numbered 0 … size − 1). */
  size(): Promise<number>;
  /** The leaf hashes of leaves [start, end), in order (fewer when the log ends sooner). */
  leafHashes(start: number, end: number): Promise<Bytes[]>;
  /** The certificates of leaves [start, start + count), in order (fewer when the log ends sooner). */
  entries(start: number, count: number): Promise<LogEntry[]>;
  /** The leaf index of each of these certificate ids that is in the log. */
  leafIndexes(certificateIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Append every stored certificate that has no leaf yet, in the order they were stored:
   * certificates from before the log existed, or one whose leaf a crash kept from being
   * written (mongo). Idempotent; answers how many leaves it appended.
   */
  appendUnlogged(): Promise<number>;
  /** The newest certificate stored for this log key (base64 of the raw key), or null. */
  getLogCertificate(logKey: string): Promise<LogCertificate | null>;
  /** Keep a certificate of its log key (checked by the caller); it replaces the one held for that key. */
  putLogCertificate(certificate: LogCertificate, storedAt: number): Promise<void>;
}
