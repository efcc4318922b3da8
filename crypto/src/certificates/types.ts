/**
 * Certificates (docs/design.md "Identities"): who a person is, which organisation vouches
 * for them and which devices are theirs is never the server's word. Each fact is a signed
 * statement by a key the server does not hold:
 *
 *   deployment root ─ signs → organisation certificate {orgId, name, orgKey, validity}
 *   organisation key ─ signs → user certificate {userId, orgId, role, displayName, userKey, validity, serial}
 *   user key ─ signs → device certificate {userId, deviceId, identityKey, created}
 *   inviting professional's device ─ signs → client certificate {clientUserId, nameCommitment, userKey, workspaceId, invitedBy}
 *   organisation key ─ signs → user revocation;  user key ─ signs → device revocation
 *
 * Every certificate is `{ body, signature }`: the body is canonical JSON with a type tag
 * `t` and version `v`, the signature is XEdDSA over a per-type context string followed by
 * that JSON. Keys are serialized libsignal public keys (33 bytes) in standard base64;
 * times are ms since the Unix epoch.
 */
import type { DeviceRef } from '../types';

/** The certificate types, in the order of the chain. */
export const CERTIFICATE_TYPES = ['org', 'user', 'device', 'client', 'user_revocation', 'device_revocation'] as const;
export type CertificateType = (typeof CERTIFICATE_TYPES)[number];

/** Roles a user certificate may carry: a client is certified by a client certificate instead. */
export type ProfessionalRole =
  | 'kela_expert'
  | 'social_worker'
  | 'health_professional'
  | 'employment_advisor'
  | 'teacher'
  | 'interpreter';

/** Signed by the deployment root: an organisation and its signing key. */
export interface OrgCertificateBody {
  readonly t: 'org';
  readonly v: 1;
  readonly orgId: string;
  readonly name: string;
  /** base64 of the organisation's public key */
  readonly orgKey: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** Signed by the organisation key: a professional of that organisation and his user key. */
export interface UserCertificateBody {
  readonly t: 'user';
  readonly v: 1;
  readonly userId: string;
  readonly orgId: string;
  readonly role: ProfessionalRole;
  readonly displayName: string;
  /** base64 of the person's public user key, which signs his device certificates */
  readonly userKey: string;
  readonly notBefore: number;
  readonly notAfter: number;
  /** per organisation; a revocation names it */
  readonly serial: number;
}

/** Signed by the user key (of a user or client certificate): one device of that person. */
export interface DeviceCertificateBody {
  readonly t: 'device';
  readonly v: 1;
  readonly userId: string;
  readonly deviceId: number;
  /** base64 of the device's libsignal identity key */
  readonly identityKey: string;
  readonly created: number;
}

/**
 * Signed by the identity key of the inviting professional's device, after it checked the
 * client's proof of the invitation secret: a client person of one case workspace. The
 * name the inviter typed is only committed to; it travels in clear only inside the
 * workspace's encrypted traffic.
 */
export interface ClientCertificateBody {
  readonly t: 'client';
  readonly v: 1;
  readonly clientUserId: string;
  /** hex SHA-256 commitment to the client's name (see nameCommitment) */
  readonly nameCommitment: string;
  readonly userKey: string;
  readonly workspaceId: string;
  readonly invitedBy: DeviceRef;
  readonly created: number;
}

/** Signed by the organisation key: the user certificate with this serial no longer holds. */
export interface UserRevocationBody {
  readonly t: 'user_revocation';
  readonly v: 1;
  readonly orgId: string;
  readonly userId: string;
  readonly serial: number;
  readonly revokedAt: number;
}

/** Signed by the person's user key: this device (with this identity key) is no longer his. */
export interface DeviceRevocationBody {
  readonly t: 'device_revocation';
  readonly v: 1;
  readonly userId: string;
  readonly deviceId: number;
  readonly identityKey: string;
  readonly revokedAt: number;
}

export type CertificateBody =
  | OrgCertificateBody
  | UserCertificateBody
  | DeviceCertificateBody
  | ClientCertificateBody
  | UserRevocationBody
  | DeviceRevocationBody;

/** A signed certificate of type `T`. */
export type Certificate<T extends CertificateType = CertificateType> = {
  [K in T]: {
    readonly body: Extract<CertificateBody, { t: K }>;
    /** base64 XEdDSA signature over the type's context string and the body's canonical JSON */
    readonly signature: string;
  };
}[T];
