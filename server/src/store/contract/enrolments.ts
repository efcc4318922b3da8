/**
 * Contract: enrolments waiting for their code's issuer — one per code id, read back
 * exactly, listed by organisation or user (kind, open only), closed by exactly the
 * device and identity key whose certificate was stored.
 */
import { describe, expect, it } from 'vitest';
import { TestAuthority } from '@yhteispoyta/crypto/certificates/authority.testkit';
import type { NewEnrolment } from '../port';
import type { ContractContext } from './context';

function fixtures() {
  const ca = new TestAuthority();
  const org = ca.org('kela');
  const anna = ca.professional(org, 'anna');
  const laptop = ca.device(anna, 1);
  const phone = ca.device(anna, 2);
  const enrolment: NewEnrolment = {
    codeId: 'enr_aaaaaaaaaaaa', kind: 'enrolment', userId: 'anna', orgId: 'kela', deviceId: 1, identityKey: laptop.key.pub,
    registrationId: 4242, userKey: anna.userKey.pub, deviceCertificate: laptop.cert, proof: 'a'.repeat(64), enrolledAt: 10,
  };
  const link: NewEnrolment = {
    codeId: 'lnk_bbbbbbbbbbbb', kind: 'device_link', userId: 'anna', orgId: 'kela', deviceId: 2, identityKey: phone.key.pub,
    registrationId: 17, proof: 'b'.repeat(64), enrolledAt: 20, issuedBy: laptop.ref,
  };
  const invitation: NewEnrolment = {
    codeId: 'inv_cccccccccccc', kind: 'invitation', userId: 'matti', orgId: 'clients', deviceId: 1, identityKey: ca.device(anna, 9).key.pub,
    registrationId: 99, userKey: ca.professional(org, 'x').userKey.pub, proof: 'c'.repeat(64), enrolledAt: 30,
    issuedBy: laptop.ref, workspaceId: 'case-1',
  };
  return { laptop, phone, enrolment, link, invitation };
}

/** Register the enrolment cases. */
export function describeEnrolmentContract({ store }: ContractContext): void {
  describe('enrolments', () => {
    it('are recorded once per code id and read back exactly', async () => {
      const s = store();
      const { enrolment, link, invitation } = fixtures();
      for (const e of [enrolment, link, invitation]) expect(await s.enrolments.createEnrolment(e)).toEqual({ ok: true });
      expect(await s.enrolments.createEnrolment({ ...link, deviceId: 3 })).toEqual({ ok: false, code: 'exists' });
      expect(await s.enrolments.getEnrolment(enrolment.codeId)).toEqual(enrolment);
      expect(await s.enrolments.getEnrolment(link.codeId)).toEqual(link);
      expect(await s.enrolments.getEnrolment(invitation.codeId)).toEqual(invitation);
      expect(await s.enrolments.getEnrolment('enr_nonexistent0')).toBeNull();
    });

    it('are listed by organisation or user, by kind, open only, oldest first, bounded', async () => {
      const s = store();
      const { enrolment, link, invitation } = fixtures();
      for (const e of [invitation, link, enrolment]) await s.enrolments.createEnrolment(e);
      const codes = (list: { codeId: string }[]) => list.map((e) => e.codeId);
      expect(codes(await s.enrolments.listEnrolments({ orgId: 'kela', limit: 10 }))).toEqual([enrolment.codeId, link.codeId]);
      expect(codes(await s.enrolments.listEnrolments({ orgId: 'kela', kind: 'enrolment', openOnly: true, limit: 10 }))).toEqual([enrolment.codeId]);
      expect(codes(await s.enrolments.listEnrolments({ userId: 'anna', kind: 'device_link', limit: 10 }))).toEqual([link.codeId]);
      expect(codes(await s.enrolments.listEnrolments({ userId: 'anna', limit: 1 }))).toEqual([enrolment.codeId]);
      expect(codes(await s.enrolments.listEnrolments({ userId: 'matti', limit: 10 }))).toEqual([invitation.codeId]);
      expect(await s.enrolments.listEnrolments({ orgId: 'nowhere', limit: 10 })).toEqual([]);
    });

    it('close for exactly the device and identity key that was certified, once', async () => {
      const s = store();
      const { enrolment, link, laptop, phone } = fixtures();
      await s.enrolments.createEnrolment(enrolment);
      await s.enrolments.createEnrolment(link);
      // Another key under the same device id closes nothing: it is not the device that enrolled.
      expect(await s.enrolments.closeEnrolments(laptop.ref, phone.key.pub, 50)).toBe(0);
      expect(await s.enrolments.closeEnrolments({ userId: 'anna', deviceId: 3 }, phone.key.pub, 50)).toBe(0);
      expect(await s.enrolments.closeEnrolments(phone.ref, phone.key.pub, 50)).toBe(1);
      expect(await s.enrolments.closeEnrolments(phone.ref, phone.key.pub, 60)).toBe(0);
      expect(await s.enrolments.getEnrolment(link.codeId)).toEqual({ ...link, closedAt: 50 });
      const open = await s.enrolments.listEnrolments({ userId: 'anna', openOnly: true, limit: 10 });
      expect(open.map((e) => e.codeId)).toEqual([enrolment.codeId]);
      expect((await s.enrolments.listEnrolments({ userId: 'anna', limit: 10 })).map((e) => e.closedAt)).toEqual([undefined, 50]);
    });
  });
}
