/**
 * The organisation monitor's judgement (pure): of every certificate in the transparency
 * log, the ones that name this organisation — its organisation certificate, the user
 * certificates and user revocations under its id, and the device certificates and device
 * revocations of its users — each with a finding when the organisation did not issue it:
 *
 * - `foreign_org_certificate`: an organisation certificate for our id that is not ours;
 * - `not_signed_by_org`: a user certificate or revocation under our id that our key did not sign;
 * - `unknown_person`: a user certificate our key signed for a person we never issued a code for;
 * - `unknown_serial`: one our key signed for a person we know, under a serial we never gave
 *   (our key was used by someone else: the state records each serial before it is used);
 * - `not_signed_by_user`: a device certificate or revocation of one of our users that no
 *   user key we certified for him signed.
 */
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import { certificateId, verifyCertificateSignature } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';
import { orgCertificate } from '../org-state';
import type { OrgState } from '../org-state';

/** Why a certificate is flagged. */
export type FindingCode = 'foreign_org_certificate' | 'not_signed_by_org' | 'unknown_person' | 'unknown_serial' | 'not_signed_by_user';

/** A certificate of the log that names the organisation. */
export interface MonitoredCertificate {
  /** its leaf index in the log */
  readonly index: number;
  readonly id: string;
  readonly type: 'org' | 'user' | 'user_revocation' | 'device' | 'device_revocation';
  readonly userId?: string;
  readonly deviceId?: number;
  readonly serial?: number;
  /** a user certificate's name and role as signed */
  readonly displayName?: string;
  readonly role?: string;
  readonly finding?: { readonly code: FindingCode; readonly detail: string };
}

/** A certificate at its place in the log. */
export interface IndexedCertificate {
  readonly index: number;
  readonly certificate: Certificate;
}

const signedBy = (certificate: Certificate, key: Uint8Array | undefined): boolean => key !== undefined && verifyCertificateSignature(certificate, key);

/** Every certificate naming the organisation of `state`, in log order, with its finding if any. */
export function monitorOrganisation(state: OrgState, entries: readonly IndexedCertificate[]): MonitoredCertificate[] {
  const own = orgCertificate(state);
  const ownId = certificateId(own);
  const orgKey = fromBase64(own.body.orgKey);
  const knownPeople = new Set([...Object.keys(state.users), ...Object.values(state.codes).map((c) => c.userId)]);
  const ourUsers = new Set(knownPeople);
  /** user keys of user certificates this organisation issued, per user */
  const userKeys = new Map<string, Uint8Array[]>();
  const judged = new Map<number, MonitoredCertificate>();

  for (const { index, certificate } of entries) {
    const body = certificate.body;
    const id = certificateId(certificate);
    if (body.t === 'org' && body.orgId === state.orgId) {
      judged.set(index, {
        index, id, type: 'org',
        ...(id === ownId ? {} : { finding: { code: 'foreign_org_certificate', detail: `an organisation certificate for ${state.orgId} that is not this organisation's ("${body.name}")` } }),
      });
    }
    if ((body.t === 'user' || body.t === 'user_revocation') && body.orgId === state.orgId) {
      ourUsers.add(body.userId);
      const base = { index, id, type: body.t, userId: body.userId, serial: body.serial, ...(body.t === 'user' ? { displayName: body.displayName, role: body.role } : {}) };
      let finding: MonitoredCertificate['finding'];
      if (!signedBy(certificate, orgKey)) finding = { code: 'not_signed_by_org', detail: `not signed by the key of ${state.orgId}` };
      else if (body.t === 'user' && !knownPeople.has(body.userId)) finding = { code: 'unknown_person', detail: `signed with the organisation's key for ${body.userId}, for whom it never issued a code` };
      else if (body.t === 'user' && !(state.users[body.userId]?.serials ?? []).includes(body.serial)) {
        finding = { code: 'unknown_serial', detail: `signed with the organisation's key under serial ${body.serial}, which it never gave ${body.userId}` };
      } else if (body.t === 'user') {
        const key = fromBase64(body.userKey);
        if (key !== undefined) userKeys.set(body.userId, [...(userKeys.get(body.userId) ?? []), key]);
      }
      judged.set(index, { ...base, ...(finding === undefined ? {} : { finding }) });
    }
  }
  // Devices second: a person's user certificate may come after his device's in the log.
  for (const { index, certificate } of entries) {
    const body = certificate.body;
    if ((body.t !== 'device' && body.t !== 'device_revocation') || !ourUsers.has(body.userId)) continue;
    const trusted = (userKeys.get(body.userId) ?? []).some((key) => signedBy(certificate, key));
    judged.set(index, {
      index, id: certificateId(certificate), type: body.t, userId: body.userId, deviceId: body.deviceId,
      ...(trusted ? {} : { finding: { code: 'not_signed_by_user', detail: `not signed by a user key the organisation certified for ${body.userId}` } }),
    });
  }
  return [...judged.values()].sort((a, b) => a.index - b.index);
}
