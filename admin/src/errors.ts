/**
 * The one error type of the admin tooling. Every expected failure (a wrong passphrase, a
 * refusal by the server, a file that is not a key file …) is an {@link AdminError} with a
 * stable code, so the CLI can say what happened in a sentence and scripts can branch on
 * `code` with `--json`. Messages never contain a private key, a code secret, a passphrase
 * or the admin token.
 */

export const ADMIN_ERROR_CODES = [
  /** the passphrase does not open the key file (or the file was tampered with) */
  'wrong_passphrase',
  /** the file is not a readable key file of this tool */
  'corrupt_key_file',
  /** a key file of the other kind (root where an organisation was expected, …) */
  'wrong_key_kind',
  /** refusing to overwrite an existing file */
  'file_exists',
  /** reading or writing a file failed */
  'io',
  /** a new key file's passphrase is too short */
  'weak_passphrase',
  /** another process holds the key file's lock for too long */
  'locked',
  /** the server answered with a protocol error */
  'server_refused',
  /** the server could not be reached */
  'server_unreachable',
  /** the server's answer does not parse with the protocol's schema */
  'bad_response',
  /** the server holds a different deployment root than this tool's */
  'root_mismatch',
  /** the server named another organisation id than the certificate's */
  'org_mismatch',
  /** the organisation has no such user */
  'unknown_user',
  /** an argument is out of range (a name, a role, a validity …) */
  'invalid_input',
] as const;

/** One of {@link ADMIN_ERROR_CODES}. */
export type AdminErrorCode = (typeof ADMIN_ERROR_CODES)[number];

/** An expected failure of the admin tooling. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  readonly code: AdminErrorCode;

  constructor(code: AdminErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A protocol refusal by the server: its HTTP status, the protocol's error code and occurrence id. */
export class ServerRefusedError extends AdminError {
  readonly status: number;
  /** the protocol's ErrorCode (`conflict`, `forbidden` …), or `http_<status>` when the body was not an ErrorBody */
  readonly protocolCode: string;
  /** the server's id of this occurrence (to find it in the server log), when it sent one */
  readonly occurrenceId: string | undefined;

  constructor(status: number, protocolCode: string, message: string, occurrenceId?: string) {
    super('server_refused', message);
    this.status = status;
    this.protocolCode = protocolCode;
    this.occurrenceId = occurrenceId;
  }
}

/** The message of any thrown value, for one line of output (never a stack). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
