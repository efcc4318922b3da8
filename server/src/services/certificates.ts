/**
 * Storing certificates (docs/design.md §3). Who may store what: the organisation's admin tool
 * (admin route) stores organisation renewals, user and device certificates and user
 * revocations; a device stores device certificates of its own person (an approving
 * device) and of a client it invited, the client certificates it signed as inviter, and
 * revocations of its own person's devices. Every certificate's signer is checked before
 * it is stored (certificate-checks.ts). A stored device certificate closes its
 * enrolment; every store is audited (ids and types only) and announced.
 */
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { StoreCertificateResponse } from '@yhteispoyta/crypto/protocol';
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import { recordAudit } from './audit';
import { checkCertificate } from './certificate-checks';
import { notifyCertificates } from './notices';
import { loadStoredPerson } from './stored-person';

/** Who stores: the admin API, or a logged-in device. */
export type CertificateStorer = { readonly kind: 'admin' } | { readonly kind: 'device'; readonly device: DeviceRef };

const ADMIN_TYPES: ReadonlySet<string> = new Set(['org', 'user', 'device', 'user_revocation']);

function notYours(message: string): ProtocolError {
  return new ProtocolError('forbidden', message);
}

/** Whether `caller` invited the client `userId` (per the client's stored certificates). */
async function invitedBy(ctx: Needs<'certificates'>, userId: string, caller: DeviceRef): Promise<boolean> {
  const person = await loadStoredPerson(ctx, userId);
  return person.clients.some((c) => deviceKey(c.body.invitedBy) === deviceKey(caller));
}

/** Refuse (403) a certificate this storer may not store, before anything is checked or stored. */
async function requireMayStore(ctx: Needs<'certificates'>, storer: CertificateStorer, certificate: Certificate): Promise<void> {
  const body = certificate.body;
  if (storer.kind === 'admin') {
    if (!ADMIN_TYPES.has(body.t)) throw notYours(`the admin API does not store ${body.t} certificates`);
    return;
  }
  const caller = storer.device;
  switch (body.t) {
    case 'device':
      if (body.userId === caller.userId || (await invitedBy(ctx, body.userId, caller))) return;
      throw notYours('devices store device certificates of their own person or of a client they invited');
    case 'device_revocation':
      if (body.userId === caller.userId) return;
      throw notYours('devices revoke devices of their own person only');
    case 'client':
      if (deviceKey(body.invitedBy) === deviceKey(caller)) return;
      throw notYours('a client certificate is stored by the device that invited the client');
    default:
      throw notYours(`devices do not store ${body.t} certificates`);
  }
}

/** The user a certificate is about, if any (organisation certificates are about nobody). */
function subjectOf(certificate: Certificate): string | undefined {
  const body = certificate.body;
  if (body.t === 'org') return undefined;
  return body.t === 'client' ? body.clientUserId : body.userId;
}

/** What storing the certificate changes besides the certificate itself. */
async function applyStored(ctx: Needs<'directory' | 'enrolments', 'now'>, certificate: Certificate): Promise<void> {
  const body = certificate.body;
  if (body.t === 'org') {
    // `stale`: a newer renewal is already in force; this one stays stored as history.
    await ctx.store.directory.setOrgCertificate(certificate as Certificate<'org'>);
  }
  if (body.t === 'device') {
    const key = fromBase64(body.identityKey);
    if (key !== undefined) await ctx.store.enrolments.closeEnrolments({ userId: body.userId, deviceId: body.deviceId }, key, ctx.now());
  }
}

/**
 * Store a certificate after checking who stores it and who signed it. Idempotent: the
 * same certificate again answers the same id. Throws `forbidden`, `bad_signature`,
 * `bad_request`, `not_found` (a renewal of an unknown organisation) or `conflict`.
 */
export async function storeCertificate(ctx: Needs<'certificates' | 'directory' | 'enrolments' | 'workspaces' | 'audit', 'now' | 'hub'>, storer: CertificateStorer, certificate: Certificate): Promise<StoreCertificateResponse> {
  await requireMayStore(ctx, storer, certificate);
  await checkCertificate(ctx, certificate);
  if (certificate.body.t === 'org' && (await ctx.store.directory.getOrg(certificate.body.orgId)) === null) {
    throw new ProtocolError('not_found', 'no such organisation: organisations are created with POST /v1/admin/orgs');
  }
  const stored = await ctx.store.certificates.putCertificate(certificate, ctx.now());
  await applyStored(ctx, certificate);
  const body = certificate.body;
  const userId = subjectOf(certificate);
  const about: Record<string, string> = body.t === 'org' ? { orgId: body.orgId } : userId === undefined ? {} : { userId };
  await recordAudit(ctx, {
    actor: storer.kind === 'device' ? storer.device : null,
    action: 'certificate_store',
    detail: { id: stored.id, type: body.t, ...about, ...(stored.created ? {} : { again: 'true' }) },
  });
  // A certificate stored again changed nobody's view. Organisation certificates are
  // announced to nobody: agents fetch them with every person they verify.
  if (stored.created && userId !== undefined) await notifyCertificates(ctx, userId);
  return { id: stored.id };
}
