/**
 * A workspace's files or an export asked for something the agent's verified view of the
 * workspace does not have. Stable codes of the local API's contract; nothing was exported.
 */

/**
 * Why: no such workspace (this device is not a member), no such record or meeting, no such
 * file; or the export could not be recorded in the audit log (then it is not given).
 */
export type CaseFileErrorCode = 'unknown_workspace' | 'unknown_record' | 'unknown_attachment' | 'export_unrecorded';

/** A refused files or export request; nothing was exported or recorded. */
export class CaseFileError extends Error {
  override readonly name = 'CaseFileError';
  constructor(
    readonly code: CaseFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}
