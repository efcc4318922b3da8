/**
 * Signing bytes, signatures and ids of certificates. The signed bytes are a context string
 * of the certificate's own type followed by the canonical JSON of its body, built field by
 * field from the typed body: a signature of one type can never be replayed as another
 * type, nor as a membership event, envelope or login signature.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import { canonicalJson, fromBase64, sha256, toBase64, toHex, utf8 } from '../bytes';
import type { Bytes, JsonValue } from '../bytes';
import { verifySignature } from '../signature-check';
import type { IdentityKeyInput } from '../signature-check';
import { parseCertificate } from './schema';
import type { Certificate, CertificateBody, CertificateType } from './types';

/** The context string each certificate type's signature starts with. */
export const CERTIFICATE_CONTEXTS: Readonly<Record<CertificateType, string>> = {
  org: 'yhteispoyta/certificate/org/v1\n',
  user: 'yhteispoyta/certificate/user/v1\n',
  device: 'yhteispoyta/certificate/device/v1\n',
  client: 'yhteispoyta/certificate/client/v1\n',
  user_revocation: 'yhteispoyta/certificate/user-revocation/v1\n',
  device_revocation: 'yhteispoyta/certificate/device-revocation/v1\n',
};

/** The body as plain JSON, listing exactly the protocol's fields. */
export function certificateBodyJson(body: CertificateBody): { [key: string]: JsonValue } {
  switch (body.t) {
    case 'org':
      return { t: body.t, v: body.v, orgId: body.orgId, name: body.name, orgKey: body.orgKey, notBefore: body.notBefore, notAfter: body.notAfter };
    case 'user':
      return {
        t: body.t, v: body.v, userId: body.userId, orgId: body.orgId, role: body.role, displayName: body.displayName,
        userKey: body.userKey, notBefore: body.notBefore, notAfter: body.notAfter, serial: body.serial,
      };
    case 'device':
      return { t: body.t, v: body.v, userId: body.userId, deviceId: body.deviceId, identityKey: body.identityKey, created: body.created };
    case 'client':
      return {
        t: body.t, v: body.v, clientUserId: body.clientUserId, nameCommitment: body.nameCommitment, userKey: body.userKey,
        workspaceId: body.workspaceId, invitedBy: { userId: body.invitedBy.userId, deviceId: body.invitedBy.deviceId }, created: body.created,
      };
    case 'user_revocation':
      return { t: body.t, v: body.v, orgId: body.orgId, userId: body.userId, serial: body.serial, revokedAt: body.revokedAt };
    case 'device_revocation':
      return { t: body.t, v: body.v, userId: body.userId, deviceId: body.deviceId, identityKey: body.identityKey, revokedAt: body.revokedAt };
  }
}

/** The bytes the signer of a certificate signs. */
export function certificateSigningBytes(body: CertificateBody): Bytes {
  return utf8(CERTIFICATE_CONTEXTS[body.t] + canonicalJson(certificateBodyJson(body)));
}

/** The certificate as plain JSON (what is stored and sent). */
export function certificateJson(certificate: Certificate): { [key: string]: JsonValue } {
  return { body: certificateBodyJson(certificate.body), signature: certificate.signature };
}

/** Hex SHA-256 of the whole certificate's canonical JSON: its id in stores and logs. */
export function certificateId(certificate: Certificate): string {
  return toHex(sha256(utf8(canonicalJson(certificateJson(certificate)))));
}

/**
 * Sign a certificate body. Throws RangeError when the result would not parse (a field out
 * of range): every verifier would refuse it, so it must not leave the signer.
 */
export function signCertificate<T extends CertificateType>(body: Extract<CertificateBody, { t: T }>, key: PrivateKey): Certificate<T> {
  const signature = toBase64(key.sign(certificateSigningBytes(body)));
  const parsed = parseCertificate({ body: certificateBodyJson(body), signature });
  if (!parsed.ok) throw new RangeError(`signCertificate: invalid ${body.t} certificate: ${parsed.detail}`);
  return parsed.certificate as Certificate<T>;
}

/** True only when the certificate's signature verifies with `signer`. Never throws. */
export function verifyCertificateSignature(certificate: Certificate, signer: IdentityKeyInput): boolean {
  const signature = fromBase64(certificate.signature);
  if (signature === undefined) return false;
  return verifySignature(signer, certificateSigningBytes(certificate.body), signature);
}

/** Hex SHA-256 of a serialized identity key: how membership events name a device's key. */
export function identityKeyHash(identityKey: Uint8Array): string {
  return toHex(sha256(identityKey));
}
