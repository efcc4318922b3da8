/**
 * What this device's certification means for the person in front of it. A device that
 * is not certified is in no workspace and can do nothing useful, so the page explains
 * why and what happens next instead of showing an empty list.
 */
import type { Certification, Role } from '@yhteispoyta/local-api';

/** The situations the page tells apart. */
export const CERTIFICATION_VIEWS = ['certified', 'pending_org', 'pending_client', 'pending_link', 'revoked'] as const;
/** One of them. */
export type CertificationView = (typeof CERTIFICATION_VIEWS)[number];

/**
 * A professional waits for his organisation's administrator, a client for the agent of
 * the professional who invited him (seconds), a further device of a person for that
 * person's approval on his first device (it shows the digits to compare).
 */
export function certificationView(device: { readonly role: Role; readonly certification: Certification }): CertificationView {
  const { certification } = device;
  if (certification.state === 'certified') return 'certified';
  if (certification.state === 'revoked') return 'revoked';
  if (certification.approvalCode !== undefined) return 'pending_link';
  return device.role === 'client' ? 'pending_client' : 'pending_org';
}

/** The steps each situation lists, in order (keys under `certification.<view>`). */
export const CERTIFICATION_STEPS: Readonly<Record<Exclude<CertificationView, 'certified'>, readonly string[]>> = {
  pending_org: ['step1', 'step2'],
  pending_client: ['step1', 'step2'],
  pending_link: ['step1', 'step2', 'step3'],
  revoked: ['step1', 'step2'],
};
