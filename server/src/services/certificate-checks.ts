/**
 * The server's check of a certificate before it stores it: signed by the key the store
 * says may sign it, and about a subject the store holds as described. This cannot make a
 * certificate true (agents verify every chain from the root they pinned); it keeps the
 * store free of garbage and of certificates nobody could verify, and it keeps a device
 * from storing certificates in someone else's name.
 *
 * Signers: organisation ← deployment root; user and user revocation ← a key of a stored
 * organisation certificate of its organisation; device ← the user key of a stored,
 * unrevoked user certificate or client certificate of its user; device revocation ← any
 * user key of its user; client ← the identity key of the certified device that invited
 * the client (`invitedBy`).
 */
import { bytesEqual, fromBase64 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { MAX_BUNDLE_CERTIFICATES } from '@yhteispoyta/crypto/certificates/person';
import { verifyCertificateSignature } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import { CLIENTS_ORG_ID, deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import { deviceStanding } from './device-standing';
import { requireRootKey } from './root';
import { loadStoredPerson, userKeysOf } from './stored-person';

/** What checking a certificate reads: the root and stored certificates, the directory, and enrolments (a client's invitation). */
export type CertificateChecker = Needs<'certificates' | 'directory' | 'enrolments'>;

function badSignature(what: string): ProtocolError {
  return new ProtocolError('bad_signature', `the ${what} certificate is not signed by a key that may sign it`, { reason: 'wrong_signer' });
}

/** The certificate does not match what the store holds (the `reason` goes to the denial's audit entry). */
function mismatch(message: string, reason: string): ProtocolError {
  return new ProtocolError('bad_request', message, { reason });
}

const signedByAny = (certificate: Certificate, keys: readonly Uint8Array[]): boolean =>
  keys.some((key) => verifyCertificateSignature(certificate, key));

/** Keys of the organisation's stored certificates (each checked against the root when stored). */
async function orgKeys(ctx: Needs<'certificates'>, orgId: string): Promise<Bytes[]> {
  const records = await ctx.store.certificates.listCertificatesOfOrgs([orgId], 'org', MAX_BUNDLE_CERTIFICATES);
  return records.flatMap((r) => (r.certificate.body.t === 'org' ? [fromBase64(r.certificate.body.orgKey)] : [])).filter((k) => k !== undefined);
}

async function checkOrg(ctx: Needs<'certificates'>, cert: Certificate<'org'>): Promise<void> {
  if (cert.body.orgId === CLIENTS_ORG_ID) throw mismatch('the clients organisation is not certified by the root', 'clients_org');
  if (!verifyCertificateSignature(cert, await requireRootKey(ctx))) throw badSignature('organisation');
}

async function checkUser(ctx: Needs<'certificates' | 'directory'>, cert: Certificate<'user'> | Certificate<'user_revocation'>): Promise<void> {
  const keys = await orgKeys(ctx, cert.body.orgId);
  if (keys.length === 0) throw mismatch('the organisation has no certificate', 'org_uncertified');
  if (!signedByAny(cert, keys)) throw badSignature(cert.body.t === 'user' ? 'user' : 'user revocation');
  const user = await ctx.store.directory.getUser(cert.body.userId);
  if (user === null || user.orgId !== cert.body.orgId) throw mismatch('no such user in this organisation', 'unknown_user');
  if (cert.body.t === 'user' && user.role !== cert.body.role) throw mismatch('the role differs from the registered one', 'role_mismatch');
}

async function checkDevice(ctx: Needs<'certificates' | 'directory'>, cert: Certificate<'device'> | Certificate<'device_revocation'>): Promise<void> {
  const person = await loadStoredPerson(ctx, cert.body.userId);
  const keys = userKeysOf(person, cert.body.t === 'device_revocation');
  if (keys.length === 0) throw mismatch('the user has no certificate to sign with', 'user_uncertified');
  if (!signedByAny(cert, keys)) throw badSignature(cert.body.t === 'device' ? 'device' : 'device revocation');
  if (cert.body.t === 'device_revocation') return;
  const device = await ctx.store.directory.getDevice({ userId: cert.body.userId, deviceId: cert.body.deviceId });
  const key = fromBase64(cert.body.identityKey);
  if (device === null || key === undefined || !bytesEqual(device.identityKey, key)) {
    throw mismatch('no registered device with this id and identity key', 'device_mismatch');
  }
}

async function checkClient(ctx: CertificateChecker, cert: Certificate<'client'>): Promise<void> {
  const { invitedBy, clientUserId, workspaceId } = cert.body;
  const inviter = await deviceStanding(ctx, invitedBy);
  if (!inviter.ok) throw mismatch('the inviting device is not a certified device', 'inviter_uncertified');
  if (inviter.person.users.length === 0) throw mismatch('only professionals invite clients', 'inviter_not_professional');
  if (!verifyCertificateSignature(cert, inviter.device.identityKey)) throw badSignature('client');
  const user = await ctx.store.directory.getUser(clientUserId);
  if (user === null || user.role !== 'client' || user.orgId !== CLIENTS_ORG_ID) throw mismatch('no such client user', 'unknown_user');
  const enrolments = await ctx.store.enrolments.listEnrolments({ userId: clientUserId, kind: 'invitation', limit: 10 });
  const invited = enrolments.find(
    (e) => e.issuedBy !== undefined && deviceKey(e.issuedBy) === deviceKey(invitedBy) && e.workspaceId === workspaceId,
  );
  if (invited === undefined) throw mismatch('no invitation of this client by this device into this workspace was redeemed', 'no_invitation');
  const userKey = fromBase64(cert.body.userKey);
  if (invited.userKey === undefined || userKey === undefined || !bytesEqual(invited.userKey, userKey)) {
    throw mismatch('the user key differs from the one the client enrolled with', 'user_key_mismatch');
  }
}

/**
 * Check a certificate's signer and subject against the store. Throws `bad_signature`
 * (wrong signer), `bad_request` (does not match the store) or `conflict` (no root set yet).
 */
export async function checkCertificate(ctx: CertificateChecker, certificate: Certificate): Promise<void> {
  switch (certificate.body.t) {
    case 'org':
      return checkOrg(ctx, certificate as Certificate<'org'>);
    case 'user':
    case 'user_revocation':
      return checkUser(ctx, certificate as Certificate<'user'> | Certificate<'user_revocation'>);
    case 'device':
    case 'device_revocation':
      return checkDevice(ctx, certificate as Certificate<'device'> | Certificate<'device_revocation'>);
    case 'client':
      return checkClient(ctx, certificate as Certificate<'client'>);
  }
}
