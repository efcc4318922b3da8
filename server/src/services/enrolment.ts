/**
 * Enrolment (DESIGN §3): a device redeems a one-time code and registers its public keys.
 * Every prekey signature is verified BEFORE the code is touched, so a forged or broken
 * upload leaves the code usable; only then is the code consumed (atomically: of two
 * concurrent redemptions exactly one wins) and the device stored.
 */
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { EnrolRequest, EnrolResponse, ErrorCode } from '@yhteispoyta/crypto/protocol';
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import { verifyPrekeyUpload } from '@yhteispoyta/crypto/prekeys';
import type { ServerContext } from '../context';
import { recordAudit } from './audit';
import { codeKindOf } from './codes';

/** A refusal with a short reason in `details`: REST bodies never show details, the denial's audit entry does. */
function refusal(code: ErrorCode, message: string, reason: string): ProtocolError {
  return new ProtocolError(code, message, { reason });
}

/**
 * Redeem a code and register the device. Errors that depend on the code's stored record
 * (a link code's device id not matching the upload, a device id already taken) can only
 * be known after the code is consumed, so they use the code up; the store offers no
 * read-before-consume, and such a request comes from the code's holder anyway.
 */
export async function enrol(ctx: ServerContext, request: EnrolRequest): Promise<EnrolResponse> {
  const identityKey = fromBase64(request.prekeys.identityKey);
  if (identityKey === undefined) throw refusal('bad_request', 'identityKey is not base64', 'malformed');
  const verified = verifyPrekeyUpload(identityKey, request.prekeys);
  if (!verified.ok) {
    const reason = `prekeys_${verified.code}`;
    throw verified.code === 'bad_signature'
      ? refusal('bad_signature', 'a prekey signature does not verify', reason)
      : refusal('bad_request', `prekey upload refused: ${verified.code}`, reason);
  }
  const upload = verified.upload;
  const kind = codeKindOf(request.code);
  if (kind === undefined) throw refusal('unauthenticated', 'unknown code', 'code_not_found');
  const consumed = await ctx.store.consumeCode(request.code, kind, ctx.now());
  if (!consumed.ok) {
    const reason = `code_${consumed.code}`;
    if (consumed.code === 'expired') throw refusal('expired', 'the code has expired', reason);
    if (consumed.code === 'used') throw refusal('conflict', 'the code has already been used', reason);
    throw refusal('unauthenticated', 'unknown code', reason);
  }
  const record = consumed.record;
  if (record.kind === 'device_link' && record.detail['deviceId'] !== String(upload.deviceId)) {
    throw refusal('bad_request', 'the link code is for another device id', 'device_id_mismatch');
  }
  const user = await ctx.store.getUser(record.userId);
  if (user === null) throw new Error('the user of a code no longer exists');
  const registered = await ctx.store.registerDevice(user.id, upload, ctx.now());
  if (!registered.ok) {
    throw registered.code === 'device_exists'
      ? refusal('conflict', 'this device id is already registered', registered.code)
      : refusal('bad_request', `device refused: ${registered.code}`, registered.code);
  }
  const workspaceId = record.kind === 'invitation' ? record.detail['workspaceId'] : undefined;
  await recordAudit(ctx, {
    actor: { userId: user.id, deviceId: upload.deviceId },
    action: 'enrol',
    ...(workspaceId === undefined ? {} : { workspaceId }),
    detail: { kind: record.kind, orgId: user.orgId },
  });
  return { userId: user.id, deviceId: upload.deviceId, orgId: user.orgId, role: user.role, displayName: user.displayName };
}
