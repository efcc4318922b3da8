/**
 * Turning a failed call into a sentence in the user's language. The agent's error codes
 * that people meet are translated; anything else says so plainly and keeps the agent's
 * own (English) explanation visible, so no failure is ever silent or vague.
 */
import type { TFunction } from 'i18next';
import { ApiFailure } from '@yhteispoyta/local-api';
import type { ApiErrorCode } from '@yhteispoyta/local-api';

/** The agent's error codes (and this page's own two) the UI explains in its own words. */
export const KNOWN_ERROR_CODES = [
  'agent_unreachable',
  'bad_response',
  'wrong_passphrase',
  'no_such_profile',
  'exists',
  'invalid_name',
  'empty_passphrase',
  'weak_passphrase',
  'in_use',
  'corrupt',
  'newer_schema',
  'already_unlocked',
  'enrolment_failed',
  'already_enrolled',
  'session_failed',
  'not_ready',
  'server_unreachable',
  'server_error',
  'forbidden',
  'consent_scope',
  'ownerless',
  'not_found',
  'conflict',
  'too_large',
  'rate_limited',
  'quota_exceeded',
  'mailbox_full',
  'expired',
  'bad_request',
  'identity_changed',
  'unknown_user',
  'internal',
  // certificates: an old profile, this device or a person not (yet) certified
  'reenrol_required',
  'not_certified',
  'uncertified',
  'no_user_key',
  'cannot_revoke_self',
  'bad_code',
  'code_refused',
  // this person's devices and identities
  'unknown_device',
  'invalid',
  'no_change',
  // the case records' rules refused an action (nothing was queued)
  'duplicate_record',
  'unknown_record',
  'not_allowed',
  'wrong_status',
  'unknown_member',
  'unknown_organisation',
  // the workspace's files and exports
  'unknown_attachment',
  'export_unrecorded',
] as const satisfies readonly (ApiErrorCode | 'agent_unreachable' | 'bad_response')[];

/** Codes whose sentence needs the agent's own words next to it (the reason lives there). */
const WITH_DETAIL: ReadonlySet<string> = new Set(['enrolment_failed', 'server_error', 'internal', 'invalid']);

/**
 * Why the server refused an enrolment code, as the agent's detail ends: "… (unauthenticated)".
 * Each has its own sentence; the agent's English words stay behind "Näytä tekniset tiedot".
 */
export const ENROLMENT_REASONS = ['unauthenticated', 'expired', 'rate_limited', 'conflict', 'not_found', 'bad_request'] as const;

/** A failure as the user reads it: a translated sentence and, when useful, the agent's own words. */
export interface DescribedError {
  readonly text: string;
  /** the agent's English detail: technical, shown only on request ("Näytä tekniset tiedot") */
  readonly detail?: string;
}

/** The translated sentence of an enrolment refusal whose detail names a known reason. */
function enrolmentReason(t: TFunction, message: string): string | undefined {
  const code = /\(([a-z_]+)\)\s*\.?\s*$/.exec(message)?.[1];
  const known = ENROLMENT_REASONS.find((reason) => reason === code);
  return known === undefined ? undefined : t(`errorReasons.enrolment.${known}`);
}

/** Describe any thrown value. */
export function describeFailure(t: TFunction, error: unknown): DescribedError {
  if (error instanceof ApiFailure) {
    const known = KNOWN_ERROR_CODES.find((code) => code === error.code);
    if (known !== undefined) {
      // Enrolment failures carry the server's reason, which the user needs to act on: in his language when it is known.
      const reason = known === 'enrolment_failed' ? enrolmentReason(t, error.message) : undefined;
      if (reason !== undefined) return { text: reason, detail: error.message };
      return WITH_DETAIL.has(known) ? { text: t(`errors.${known}`), detail: error.message } : { text: t(`errors.${known}`) };
    }
    return { text: t('errors.unknown'), detail: error.message };
  }
  return { text: t('errors.unknown'), detail: error instanceof Error ? error.message : undefined };
}
