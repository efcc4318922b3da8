/**
 * The check that makes enrolment safe against the server: before an organisation signs a
 * person's user certificate, the keys the server shows it must be the keys the person's
 * device registered. Only the device (and this tool) know the code's secret, and the
 * device sent an HMAC under it over its identity key, user key and device id; a server
 * that swapped any of them cannot recompute it. Pure: no I/O, no clock.
 */
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import { checkEnrolmentProof, parseCertificate, verifyCertificateSignature } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';
import type { PendingEnrolment } from '@yhteispoyta/crypto/protocol';

/** Why a pending enrolment is not certified. */
export type RefusalReason =
  /** the proof does not match the keys: the server (or someone without the code) substituted keys */
  | 'bad_proof'
  /** the device certificate is missing, malformed, for other keys, or not signed by the user key */
  | 'bad_device_certificate'
  /** the enrolment names another user than the one the code was issued for */
  | 'user_mismatch'
  /** no user key was registered (not a first-device enrolment) */
  | 'incomplete'
  /** the code was redeemed after it expired */
  | 'code_expired';

/** What the issuer remembers of a code that matters for the check. */
export interface CodeForCheck {
  readonly codeId: string;
  readonly secret: Uint8Array;
  readonly userId: string;
  readonly expiresAt: number;
}

/** Result of {@link checkPendingEnrolment}. */
export type EnrolmentCheck =
  | { readonly ok: true; readonly userKey: string; readonly deviceCertificate: Certificate<'device'> }
  | { readonly ok: false; readonly reason: RefusalReason; readonly detail: string };

const refuse = (reason: RefusalReason, detail: string): EnrolmentCheck => ({ ok: false, reason, detail });

/** Check a pending enrolment of an enrolment code against what its issuer remembers. Never throws. */
export function checkPendingEnrolment(enrolment: PendingEnrolment, code: CodeForCheck): EnrolmentCheck {
  if (enrolment.codeId !== code.codeId) return refuse('user_mismatch', 'the enrolment names another code');
  if (enrolment.userId !== code.userId) {
    return refuse('user_mismatch', `the code was issued for ${code.userId}, the server shows an enrolment of ${enrolment.userId}`);
  }
  const userKey = enrolment.userKey;
  if (userKey === undefined) return refuse('incomplete', 'the enrolment carries no user key');
  const claim = { codeId: code.codeId, deviceId: enrolment.deviceId, identityKey: enrolment.identityKey, userKey };
  if (!checkEnrolmentProof(code.secret, claim, enrolment.proof)) {
    return refuse('bad_proof', 'the proof of the code secret does not match the keys shown: possible key substitution by the server');
  }
  const parsed = parseCertificate(enrolment.deviceCertificate);
  if (enrolment.deviceCertificate === undefined || !parsed.ok || parsed.certificate.body.t !== 'device') {
    return refuse('bad_device_certificate', 'the enrolment carries no readable device certificate');
  }
  const device = parsed.certificate as Certificate<'device'>;
  const body = device.body;
  if (body.userId !== code.userId || body.deviceId !== enrolment.deviceId || body.identityKey !== enrolment.identityKey) {
    return refuse('bad_device_certificate', 'the device certificate names another user, device or identity key than the proven enrolment');
  }
  const userKeyBytes = fromBase64(userKey);
  if (userKeyBytes === undefined || !verifyCertificateSignature(device, userKeyBytes)) {
    return refuse('bad_device_certificate', 'the device certificate is not signed by the proven user key');
  }
  if (enrolment.enrolledAt > code.expiresAt) return refuse('code_expired', 'the code was redeemed after it expired');
  return { ok: true, userKey, deviceCertificate: device };
}
