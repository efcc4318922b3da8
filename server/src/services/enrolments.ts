/**
 * Enrolments waiting for their code's issuer (docs/design.md §3): the organisation's admin tool
 * lists its organisation's professionals who redeemed enrolment codes; an inviting
 * professional's agent reads the enrolment of its own invitation; a person's devices see
 * his devices that redeemed link codes. Each reader checks the proof of the code's secret
 * (the server cannot) before it signs a certificate.
 */
import { toBase64 } from '@yhteispoyta/crypto/bytes';
import { MAX_PENDING_ENROLMENTS, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { InvitationEnrolmentResponse, PendingEnrolment, PendingEnrolmentsResponse } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { EnrolmentRecord, UserRecord } from '../store/port';

/** An enrolment in its wire form; `user` adds the role and name the admin registered (enrolment codes). */
function toWire(e: EnrolmentRecord, user?: UserRecord): PendingEnrolment {
  return {
    codeId: e.codeId,
    kind: e.kind,
    userId: e.userId,
    deviceId: e.deviceId,
    identityKey: toBase64(e.identityKey),
    registrationId: e.registrationId,
    ...(e.userKey === undefined ? {} : { userKey: toBase64(e.userKey) }),
    ...(e.deviceCertificate === undefined ? {} : { deviceCertificate: e.deviceCertificate }),
    proof: e.proof,
    enrolledAt: e.enrolledAt,
    ...(user === undefined ? {} : { role: user.role, displayName: user.displayName }),
  };
}

/** Professionals of the organisation who redeemed an enrolment code and are not certified yet (admin). */
export async function listOrgEnrolments(ctx: Needs<'directory' | 'enrolments'>, orgId: string): Promise<PendingEnrolmentsResponse> {
  if ((await ctx.store.directory.getOrg(orgId)) === null) throw new ProtocolError('not_found', 'no such organisation');
  const open = await ctx.store.enrolments.listEnrolments({ orgId, kind: 'enrolment', openOnly: true, limit: MAX_PENDING_ENROLMENTS });
  const enrolments: PendingEnrolment[] = [];
  for (const e of open) {
    const user = await ctx.store.directory.getUser(e.userId);
    // A user whose organisation changed since is no longer this organisation's to certify.
    if (user !== null && user.orgId === orgId) enrolments.push(toWire(e, user));
  }
  return { enrolments };
}

/** The caller's person's further devices that redeemed link codes and are not certified yet. */
export async function pendingDevices(ctx: Needs<'enrolments'>, caller: DeviceRef): Promise<PendingEnrolmentsResponse> {
  const open = await ctx.store.enrolments.listEnrolments({ userId: caller.userId, kind: 'device_link', openOnly: true, limit: MAX_PENDING_ENROLMENTS });
  return { enrolments: open.map((e) => toWire(e)) };
}

/**
 * The enrolment made with the caller's invitation code, or null: before the client
 * redeemed it, and for a code the caller did not issue (the same answer, so this is no
 * oracle for other devices' invitations).
 */
export async function invitationEnrolment(ctx: Needs<'enrolments'>, caller: DeviceRef, codeId: string): Promise<InvitationEnrolmentResponse> {
  const e = await ctx.store.enrolments.getEnrolment(codeId);
  if (e === null || e.kind !== 'invitation' || e.issuedBy === undefined || deviceKey(e.issuedBy) !== deviceKey(caller)) {
    return { enrolment: null };
  }
  return { enrolment: toWire(e) };
}
