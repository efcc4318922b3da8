/**
 * Why a membership operation was refused before anything reached the server: the chain
 * rules (crypto's ChainErrorCode, checked locally with appendCheck) or what this device
 * knows (unknown workspace, user or device; a client-only operation).
 */
import type { ChainErrorCode } from '@yhteispoyta/crypto/membership';

/** Codes of {@link MembershipError}. */
export type MembershipErrorCode =
  | ChainErrorCode
  | 'unknown_workspace'
  | 'unknown_user'
  | 'unknown_device'
  | 'identity_changed'
  | 'no_change'
  | 'bad_response'
  /** the person (or this device) has no valid certificate */
  | 'uncertified'
  /** this device is not certified yet, so it can take part in nothing */
  | 'not_certified'
  /** approving or revoking devices needs the person's user key, which this device does not hold */
  | 'no_user_key'
  /** a device cannot revoke itself */
  | 'cannot_revoke_self'
  /** the text is not an invitation code, or it is for another deployment */
  | 'bad_code'
  /** the server refused the invitation code: unknown, used or expired */
  | 'code_refused';

/** A refused membership operation; the message is a plain sentence for the UI. */
export class MembershipError extends Error {
  override readonly name = 'MembershipError';

  /** `code` says why, `message` says it for people. */
  constructor(
    readonly code: MembershipErrorCode,
    message: string,
  ) {
    super(message);
  }
}
