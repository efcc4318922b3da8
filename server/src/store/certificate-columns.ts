/**
 * How a certificate is filed, as one pure function both adapters use: its id, its type,
 * the subject it is looked up by and its leaf hash in the transparency log. Deriving the columns here (never from what a caller
 * claims) keeps the two adapters' lookups identical and makes a stored column always
 * agree with the signed body.
 */
import { canonicalJson } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { certificateId, certificateJson } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate, CertificateType } from '@yhteispoyta/crypto/certificates/types';
import { certificateLeafHash } from '@yhteispoyta/crypto/transparency/tree-head';

/** The lookup columns of a stored certificate and the text it is stored as. */
export interface CertificateColumns {
  readonly id: string;
  readonly type: CertificateType;
  readonly userId?: string;
  readonly orgId?: string;
  readonly deviceId?: number;
  /** canonical JSON of the whole certificate: exactly what was signed, plus the signature */
  readonly json: string;
  /** its leaf hash in the transparency log */
  readonly leafHash: Bytes;
}

/** The columns of a certificate (see {@link CertificateColumns}). */
export function certificateColumns(certificate: Certificate): CertificateColumns {
  const base = {
    id: certificateId(certificate), type: certificate.body.t, json: canonicalJson(certificateJson(certificate)), leafHash: certificateLeafHash(certificate),
  };
  const body = certificate.body;
  switch (body.t) {
    case 'org':
      return { ...base, orgId: body.orgId };
    case 'user':
    case 'user_revocation':
      return { ...base, userId: body.userId, orgId: body.orgId };
    case 'device':
    case 'device_revocation':
      return { ...base, userId: body.userId, deviceId: body.deviceId };
    case 'client':
      return { ...base, userId: body.clientUserId };
  }
}
