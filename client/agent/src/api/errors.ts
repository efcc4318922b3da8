/**
 * Turning what the agent's parts throw into the API's typed errors. The UI gets a
 * stable code and a plain-language message; internal details stay in the log. Every
 * code here must be one of the contract's API_ERROR_CODES: ApiError's type says so, so a
 * new host or membership refusal does not compile until the contract lists it.
 */
import type { Logger } from 'pino';
import type { ErrorCode } from '@yhteispoyta/crypto/protocol';
import { httpStatusOf } from '@yhteispoyta/crypto/protocol';
import type { ApiErrorCode } from '@yhteispoyta/local-api';
import type { HostErrorCode } from '../agent';
import { describeError } from '../agent';
import { RestError } from '../contracts';
import { MembershipError } from '../keys/membership-error';
import { RecordRefusedError } from '../records/record-error';
import { UnknownAttachmentError } from '../chat/unknown-attachment';
import { CaseFileError } from '../case-files/case-file-error';
import type { RecordRefusalCode } from '../records/record-book';
import type { MembershipErrorCode } from '../keys/membership-error';
import { ApiError } from './http-util';

/** Server codes that describe the user's request (shown as they are, with the server's status). */
const USER_FACING_SERVER_CODES = ['forbidden', 'not_found', 'conflict', 'too_large', 'rate_limited', 'quota_exceeded', 'mailbox_full', 'expired'] as const satisfies readonly (ErrorCode & ApiErrorCode)[];
type UserFacingServerCode = (typeof USER_FACING_SERVER_CODES)[number];

function isUserFacing(code: ErrorCode): code is UserFacingServerCode {
  return (USER_FACING_SERVER_CODES as readonly string[]).includes(code);
}

const HOST_STATUS: Record<HostErrorCode, number> = {
  no_such_profile: 404,
  wrong_passphrase: 403,
  corrupt: 500,
  in_use: 409,
  newer_schema: 409,
  invalid_name: 400,
  empty_passphrase: 400,
  weak_passphrase: 400,
  exists: 409,
  already_unlocked: 409,
  locked: 409,
  already_enrolled: 409,
  enrolment_failed: 400,
  session_failed: 500,
  reenrol_required: 409,
};

/** HTTP status of a refused membership operation; chain-rule refusals not listed are 409. */
const MEMBERSHIP_STATUS: Partial<Record<MembershipErrorCode, number>> = {
  unknown_workspace: 404,
  unknown_user: 404,
  unknown_device: 404,
  forbidden: 403,
  consent_scope: 403,
  ownerless: 409,
  malformed: 400,
  bad_response: 502,
  uncertified: 409,
  not_certified: 409,
  no_user_key: 409,
  cannot_revoke_self: 400,
  bad_code: 400,
  code_refused: 409,
};

/** HTTP status of an action the case records' rules refused. */
const RECORD_STATUS: Record<RecordRefusalCode, number> = {
  duplicate_record: 409,
  unknown_record: 404,
  not_allowed: 403,
  wrong_status: 409,
  unknown_member: 400,
  unknown_organisation: 400,
};

/** The API error of a host refusal; its code is the host's code. */
export function hostError(error: HostErrorCode, message: string): ApiError {
  return new ApiError(HOST_STATUS[error], error, message);
}

/**
 * Map anything a handler threw to an ApiError. Server refusals keep their code; the
 * server being unreachable is 503; anything unexpected is logged and answered with a
 * generic 500 so no internal detail reaches the page.
 */
export function toApiError(err: unknown, log: Logger): ApiError {
  if (err instanceof ApiError) return err;
  // Its message is written for people and names no secret.
  if (err instanceof MembershipError) return new ApiError(MEMBERSHIP_STATUS[err.code] ?? 409, err.code, err.message);
  if (err instanceof RecordRefusedError) return new ApiError(RECORD_STATUS[err.code], err.code, err.message);
  if (err instanceof UnknownAttachmentError) return new ApiError(400, 'unknown_attachment', err.message);
  if (err instanceof CaseFileError) return new ApiError(err.code === 'export_unrecorded' ? 503 : 404, err.code, err.message);
  if (err instanceof RestError) {
    if (err.code === 'offline') return new ApiError(503, 'server_unreachable', 'The central server cannot be reached right now.');
    if (err.code !== 'bad_response' && isUserFacing(err.code)) {
      return new ApiError(httpStatusOf(err.code), err.code, `The server refused: ${err.message}`);
    }
    log.warn({ serverError: err.code, status: err.status }, 'server error behind an API request');
    return new ApiError(502, 'server_error', `The central server answered with an error (${err.code}).`);
  }
  log.error({ err: describeError(err), stack: err instanceof Error ? err.stack : undefined }, 'API request failed');
  return new ApiError(500, 'internal', 'The agent could not complete the request; see its log.');
}
