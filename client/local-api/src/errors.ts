/**
 * How the agent refuses: a status and the body `{ error: { code, message } }`. The code
 * is stable (the UI translates the ones people meet); the message is an English sentence
 * for the log and for codes the UI has no words of its own for.
 */
import { z } from 'zod';

/** Every code an error body of the agent carries. */
export const API_ERROR_CODES = [
  // the request itself (auth.ts, the router, the body readers)
  'unauthorized',
  'forbidden_host',
  'forbidden_origin',
  'not_found',
  'method_not_allowed',
  'bad_request',
  'unsupported_media_type',
  'too_large',
  // no profile unlocked or no device enrolled yet
  'not_ready',
  // anything unexpected; the detail stays in the agent's log
  'internal',
  // the central server: unreachable, failing, or refusing for a reason the user can act on
  'server_unreachable',
  'server_error',
  'forbidden',
  'conflict',
  'rate_limited',
  // a quota of the deployment is used up (413), or a recipient's mailbox is full (429; issue 15)
  'quota_exceeded',
  'mailbox_full',
  'expired',
  // profiles and enrolment
  'no_such_profile',
  'wrong_passphrase',
  'corrupt',
  'in_use',
  'newer_schema',
  'invalid_name',
  'empty_passphrase',
  // the passphrase rule (passphrase-policy.ts): too short or too easy to guess; nothing was created
  'weak_passphrase',
  'exists',
  'already_unlocked',
  'locked',
  'already_enrolled',
  'enrolment_failed',
  'session_failed',
  'reenrol_required',
  // membership operations, identities and this person's devices
  'unknown_workspace',
  'unknown_user',
  'unknown_device',
  'identity_changed',
  'no_change',
  'bad_response',
  'uncertified',
  'not_certified',
  'no_user_key',
  'cannot_revoke_self',
  'bad_code',
  'code_refused',
  // the membership chain's rules refused the change
  'malformed',
  'bad_signature',
  'unknown_author',
  'fork',
  'gap',
  'bad_prev_hash',
  'wrong_workspace',
  'consent_scope',
  'ownerless',
  'closed',
  'bad_epoch',
  'invalid',
  // the case records' rules refused an action (nothing was queued)
  'duplicate_record',
  'unknown_record',
  'not_allowed',
  'wrong_status',
  'unknown_member',
  'unknown_organisation',
  // a file the workspace's verified chat and records do not carry (the "Liitteet" list, an answer pointing at an existing attachment)
  'unknown_attachment',
  // an export whose audit event the server did not take: the file is not given (docs/design.md §11.5)
  'export_unrecorded',
] as const;
/** A code of an error body. */
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/**
 * The body of every refused request. The agent sends only {@link API_ERROR_CODES}; the
 * code is read as any string so that a page meeting a newer agent still shows its message.
 */
export const apiErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
/** The body of a refused request, as the agent sends it. */
export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}
