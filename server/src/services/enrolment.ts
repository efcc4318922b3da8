/**
 * Enrolment (docs/design.md §3): a device redeems a code id and registers its public keys.
 *
 * Everything that can be checked without the code's record is checked BEFORE the code is
 * touched, so a forged or broken request leaves the code usable: every prekey signature,
 * and for the first device of a person (enrolment and invitation codes) the device
 * certificate it signed with its new user key — exactly this device id and identity key,
 * signed by exactly that user key, for the user the code id names. Only then is the code
 * consumed (atomically: of two concurrent redemptions exactly one wins) and the device
 * stored, NOT certified: its proof of the code's secret waits in an enrolment for the
 * code's issuer, who alone can check it and sign the certificate. Until then the device
 * can log in but never be named in a membership event.
 */
import { bytesEqual, fromBase64 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { codeKindOfId, userIdForCode } from '@yhteispoyta/crypto/certificates/codes';
import { verifyCertificateSignature } from '@yhteispoyta/crypto/certificates/signing';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { verifyPrekeyUpload } from '@yhteispoyta/crypto/prekeys';
import { ID_PATTERN, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { EnrolRequest, EnrolResponse, ErrorCode, RedeemInvitationRequest, RedeemInvitationResponse } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, PrekeyUpload } from '@yhteispoyta/crypto/types';
import { CLIENTS_ORG_ID } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { CodeKind, CodeRecord, UserRecord } from '../store/port';
import { recordAudit } from './audit';
import { notifyEnrolment } from './notices';

/** A refusal with a short reason in `details`: REST bodies never show details, the denial's audit entry does. */
function refusal(code: ErrorCode, message: string, reason: string): ProtocolError {
  return new ProtocolError(code, message, { reason });
}

/** What a first device brings besides its prekeys: its person's user key and its own certificate. */
interface FirstDeviceClaim {
  readonly userKey: Bytes;
  readonly deviceCertificate: Certificate<'device'>;
}

/** Every prekey signature against the claimed identity key; the verified upload. */
function verifiedUpload(request: EnrolRequest): { identityKey: Bytes; upload: PrekeyUpload } {
  const identityKey = fromBase64(request.prekeys.identityKey);
  if (identityKey === undefined) throw refusal('bad_request', 'identityKey is not base64', 'malformed');
  const verified = verifyPrekeyUpload(identityKey, request.prekeys);
  if (!verified.ok) {
    const reason = `prekeys_${verified.code}`;
    throw verified.code === 'bad_signature'
      ? refusal('bad_signature', 'a prekey signature does not verify', reason)
      : refusal('bad_request', `prekey upload refused: ${verified.code}`, reason);
  }
  return { identityKey, upload: verified.upload };
}

/**
 * The first-device claim of an enrolment or invitation code (required), or nothing for a
 * link code (refused if present: a further device is certified by its person's existing
 * device, never by itself).
 */
function firstDeviceClaim(kind: CodeKind, request: EnrolRequest, upload: PrekeyUpload, identityKey: Bytes): FirstDeviceClaim | undefined {
  if (kind === 'device_link') {
    if (request.userKey !== undefined || request.deviceCertificate !== undefined) {
      throw refusal('bad_request', 'a linked device sends no user key and no certificate', 'link_with_certificate');
    }
    return undefined;
  }
  const { userKey: userKeyText, deviceCertificate: cert } = request;
  if (userKeyText === undefined || cert === undefined) {
    throw refusal('bad_request', 'a first device sends its user key and its device certificate', 'certificate_missing');
  }
  const userKey = fromBase64(userKeyText);
  if (cert.body.t !== 'device' || userKey === undefined) throw refusal('bad_request', 'deviceCertificate is not a device certificate', 'not_device_certificate');
  const body = cert.body;
  const certifiedKey = fromBase64(body.identityKey);
  if (body.deviceId !== upload.deviceId || certifiedKey === undefined || !bytesEqual(certifiedKey, identityKey)) {
    throw refusal('bad_request', 'the device certificate is for another device or key', 'certificate_mismatch');
  }
  if (body.userId !== userIdForCode(request.codeId)) {
    throw refusal('bad_request', 'the device certificate is for another user than the code enrols', 'user_mismatch');
  }
  if (!verifyCertificateSignature(cert, userKey)) throw refusal('bad_signature', 'the device certificate is not signed by the user key', 'certificate_signature');
  return { userKey, deviceCertificate: cert as Certificate<'device'> };
}

async function consume(ctx: Needs<'auth', 'now'>, codeId: string, kind: CodeKind): Promise<CodeRecord> {
  const consumed = await ctx.store.auth.consumeCode(codeId, kind, ctx.now());
  if (consumed.ok) return consumed.record;
  const reason = `code_${consumed.code}`;
  if (consumed.code === 'expired') throw refusal('expired', 'the code has expired', reason);
  if (consumed.code === 'used') throw refusal('conflict', 'the code has already been used', reason);
  throw refusal('unauthenticated', 'unknown code', reason);
}

/** `userId.deviceId` of a code's detail back as a device, or undefined. */
function parseDeviceKey(text: string | undefined): DeviceRef | undefined {
  const match = text === undefined ? null : /^(.+)\.([1-9][0-9]{0,2})$/.exec(text);
  if (match === null || !ID_PATTERN.test(match[1] ?? '')) return undefined;
  return { userId: match[1] ?? '', deviceId: Number(match[2]) };
}

/** The devices told that the code was redeemed: the inviting device, or the person's other devices. */
async function certifiers(ctx: Needs<'directory'>, record: CodeRecord, user: UserRecord, newDevice: number): Promise<DeviceRef[]> {
  if (record.kind === 'invitation') {
    const issuer = parseDeviceKey(record.detail['issuedBy']);
    return issuer === undefined ? [] : [issuer];
  }
  if (record.kind === 'device_link') {
    const devices = await ctx.store.directory.listDevices(user.id);
    return devices.filter((d) => d.deviceId !== newDevice).map((d) => ({ userId: d.userId, deviceId: d.deviceId }));
  }
  return [];
}

/**
 * Redeem a code and register the device. Errors that depend on the code's stored record
 * (a link code's device id not matching the upload, a device id already taken) can only
 * be known after the code is consumed, so they use the code up; the store offers no
 * read-before-consume, and such a request comes from the code's holder anyway.
 */
export async function enrol(ctx: Needs<'auth' | 'directory' | 'enrolments' | 'audit', 'now' | 'hub'>, request: EnrolRequest): Promise<EnrolResponse> {
  const { identityKey, upload } = verifiedUpload(request);
  const kind = codeKindOfId(request.codeId);
  if (kind === undefined) throw refusal('unauthenticated', 'unknown code', 'code_not_found');
  const claim = firstDeviceClaim(kind, request, upload, identityKey);
  const record = await consume(ctx, request.codeId, kind);
  if (record.kind === 'device_link' && record.detail['deviceId'] !== String(upload.deviceId)) {
    throw refusal('bad_request', 'the link code is for another device id', 'device_id_mismatch');
  }
  const user = await ctx.store.directory.getUser(record.userId);
  if (user === null) throw new Error('the user of a code no longer exists');
  if (claim !== undefined && claim.deviceCertificate.body.userId !== user.id) {
    throw refusal('bad_request', 'the device certificate is for another user than the code enrols', 'user_mismatch');
  }
  const registered = await ctx.store.directory.registerDevice(user.id, upload, ctx.now());
  if (!registered.ok) {
    throw registered.code === 'device_exists'
      ? refusal('conflict', 'this device id is already registered', registered.code)
      : refusal('bad_request', `device refused: ${registered.code}`, registered.code);
  }
  const issuedBy = parseDeviceKey(record.detail['issuedBy']);
  const workspaceId = record.kind === 'invitation' ? record.detail['workspaceId'] : undefined;
  const pending = await ctx.store.enrolments.createEnrolment({
    codeId: record.codeId, kind: record.kind, userId: user.id, orgId: user.orgId, deviceId: upload.deviceId, identityKey,
    registrationId: upload.registrationId, proof: request.proof, enrolledAt: ctx.now(),
    ...(claim === undefined ? {} : { userKey: claim.userKey, deviceCertificate: claim.deviceCertificate }),
    ...(issuedBy === undefined ? {} : { issuedBy }),
    ...(workspaceId === undefined ? {} : { workspaceId }),
  });
  // A code is consumed once, so its enrolment can only exist already if the store is broken.
  if (!pending.ok) throw new Error('an enrolment for a freshly consumed code exists');
  await recordAudit(ctx, {
    actor: { userId: user.id, deviceId: upload.deviceId },
    action: 'enrol',
    ...(workspaceId === undefined ? {} : { workspaceId }),
    detail: { kind: record.kind, orgId: user.orgId, codeId: record.codeId },
  });
  notifyEnrolment(ctx, record.codeId, await certifiers(ctx, record, user, upload.deviceId));
  return { userId: user.id, deviceId: upload.deviceId, kind: record.kind, orgId: user.orgId, role: user.role };
}

/**
 * A client's enrolled device redeems a further invitation code (issue 13): the code is
 * consumed and an enrolment recorded for the CALLER (the authenticated device, never a
 * user the request names) carrying his user key, device certificate and the proof under
 * the code's secret, for the inviting device to check and certify exactly as for a first
 * case. Everything checkable is checked before the code is touched, so a refused request
 * leaves the code usable. The user the code created stays without devices.
 */
export async function redeemInvitation(
  ctx: Needs<'auth' | 'directory' | 'enrolments' | 'audit', 'now' | 'hub'>,
  caller: DeviceRef,
  request: RedeemInvitationRequest,
): Promise<RedeemInvitationResponse> {
  if (codeKindOfId(request.codeId) !== 'invitation') throw refusal('bad_request', 'the code is not an invitation code', 'not_invitation');
  const user = await ctx.store.directory.getUser(caller.userId);
  if (user === null || user.role !== 'client' || user.orgId !== CLIENTS_ORG_ID) {
    throw refusal('forbidden', 'only a client redeems a further invitation; others are added by a case owner', 'not_client');
  }
  const device = await ctx.store.directory.getDevice(caller);
  if (device === null) throw refusal('forbidden', 'the calling device is not registered', 'device_unknown');
  const userKey = fromBase64(request.userKey);
  const cert = request.deviceCertificate;
  if (userKey === undefined || cert.body.t !== 'device') throw refusal('bad_request', 'deviceCertificate is not a device certificate', 'not_device_certificate');
  const certifiedKey = fromBase64(cert.body.identityKey);
  if (cert.body.userId !== caller.userId || cert.body.deviceId !== caller.deviceId || certifiedKey === undefined || !bytesEqual(certifiedKey, device.identityKey)) {
    throw refusal('bad_request', 'the device certificate is not the calling device\'s', 'certificate_mismatch');
  }
  if (!verifyCertificateSignature(cert, userKey)) throw refusal('bad_signature', 'the device certificate is not signed by the user key', 'certificate_signature');
  const record = await consume(ctx, request.codeId, 'invitation');
  const issuedBy = parseDeviceKey(record.detail['issuedBy']);
  const workspaceId = record.detail['workspaceId'];
  if (issuedBy === undefined || workspaceId === undefined) throw new Error('an invitation code without its workspace or issuer');
  const pending = await ctx.store.enrolments.createEnrolment({
    codeId: record.codeId, kind: 'invitation', userId: caller.userId, orgId: user.orgId, deviceId: caller.deviceId,
    identityKey: device.identityKey, registrationId: device.registrationId, proof: request.proof, enrolledAt: ctx.now(),
    userKey, deviceCertificate: cert as Certificate<'device'>, issuedBy, workspaceId,
  });
  if (!pending.ok) throw new Error('an enrolment for a freshly consumed code exists');
  await recordAudit(ctx, { actor: caller, action: 'enrol', workspaceId, detail: { kind: 'invitation', orgId: user.orgId, codeId: record.codeId, further: 'true' } });
  notifyEnrolment(ctx, record.codeId, [issuedBy]);
  return { workspaceId };
}
