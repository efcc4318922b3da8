/**
 * Certifying a server's transparency log key with the deployment root: the root signs a
 * log certificate for the key the server names at `GET /v1/log`, and the certificate is
 * uploaded through the admin API. The server's word for its key is taken as it is — the
 * certificate vouches for nothing but "heads signed by this key are this deployment's" —
 * and its fingerprint is printed so the service owner can compare it with the one the
 * server logs at start-up. Agents then check every head they see against the certified key.
 */
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import { signLogCertificate, verifyLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { logKeyFingerprint } from '@yhteispoyta/crypto/transparency/log-key';
import type { AdminClient } from './admin-client';
import { validityWindow } from './organisation';
import type { RootKey } from './root-key';

/** Default validity of a log certificate: 2 years (a rotated key is certified anew). */
const DEFAULT_LOG_VALID_DAYS = 730;

/** A log key and its certification. */
export interface LogCertification {
  /** base64 of the log's raw Ed25519 key */
  readonly logKey: string;
  readonly fingerprint: string;
  /** when the certificate the root signed for it ends (absent when it is not certified by this root now) */
  readonly notAfter?: number;
}

const fingerprintOf = (logKey: string): string => logKeyFingerprint(fromBase64(logKey) ?? new Uint8Array());

/**
 * The server's log key and, when the certificate it holds for that key was signed by the
 * root `rootKey` (base64) and holds at `now`, until when.
 */
export async function logCertification(admin: AdminClient, rootKey: string, now: number): Promise<LogCertification> {
  const { logKey, certificate } = await admin.log().getLog();
  const root = fromBase64(rootKey);
  const checked = certificate === null || root === undefined ? undefined : verifyLogCertificate(root, certificate, now);
  const certified = checked?.ok === true && checked.certificate.body.logKey === logKey;
  return { logKey, fingerprint: fingerprintOf(logKey), ...(certified ? { notAfter: checked.certificate.body.notAfter } : {}) };
}

/** Options of {@link certifyLog}. */
export interface CertifyLogOptions {
  readonly admin: AdminClient;
  readonly root: RootKey;
  /** validity of the certificate; default {@link DEFAULT_LOG_VALID_DAYS} */
  readonly validDays?: number;
  /** ms since epoch; default Date.now() */
  readonly now?: number;
}

/** Sign a log certificate for the key the server names now, and upload it. */
export async function certifyLog(opts: CertifyLogOptions): Promise<Required<LogCertification>> {
  const { logKey } = await opts.admin.log().getLog();
  const window = validityWindow(opts.now ?? Date.now(), opts.validDays ?? DEFAULT_LOG_VALID_DAYS);
  const certificate = signLogCertificate({ t: 'log', v: 1, logKey, ...window }, opts.root.privateKey);
  // A server whose key changed in between refuses it as a conflict: run again.
  await opts.admin.putLogCertificate(certificate);
  return { logKey, fingerprint: fingerprintOf(logKey), notAfter: window.notAfter };
}
