/**
 * Telling the server's audit log what this user did with what the agent fetched (issue
 * 13): opened a document, exported one. The server sees fetches, never reading, so these
 * entries are the member's own agent's word — recorded with the device that said it, in
 * the hash-chained log every member of the workspace may read. A failure to record never
 * stops the user's work: it is logged, and the call answers whether it got through.
 */
import type { Logger } from 'pino';
import type { RestClient } from '../contracts';

/** What is recorded: `what` is 'plan', 'record:<id>', 'minutes:<id>' (≤ 64 chars); `format` for exports. */
export interface AccessRecord {
  readonly action: 'opened' | 'exported';
  readonly what: string;
  readonly format?: 'pdf' | 'json';
}

/** Records one access; resolves false when the server could not be told (never rejects). */
export type RecordAccess = (workspaceId: string, record: AccessRecord) => Promise<boolean>;

/** The recorder of one device's REST client. */
export function accessRecorder(rest: RestClient, log: Logger): RecordAccess {
  const logger = log.child({ module: 'net/audit-access' });
  return async (workspaceId, { action, what, format }) => {
    try {
      await rest.call('recordAccess', { params: { workspaceId }, body: { action, detail: { what, ...(format === undefined ? {} : { format }) } } });
      return true;
    } catch (err) {
      logger.warn({ workspaceId, action, reason: err instanceof Error ? err.message : 'unknown' }, 'could not record an access in the audit log');
      return false;
    }
  };
}

/** Longest time one (workspace, document) counts as opened once: reopening within it is not recorded again. */
const REOPEN_QUIET_MS = 10 * 60_000;

/**
 * "Opened" for documents the UI opens: once per workspace and document within
 * {@link REOPEN_QUIET_MS}, so a page reload or a second tab does not flood the log.
 */
export function openedRecorder(record: RecordAccess, now: () => number = Date.now): (workspaceId: string, stream: string) => void {
  const last = new Map<string, number>();
  return (workspaceId, stream) => {
    const what = documentWhat(stream);
    if (what === undefined) return;
    const key = `${workspaceId}\u0000${what}`;
    const at = now();
    const before = last.get(key);
    if (before !== undefined && at - before < REOPEN_QUIET_MS) return;
    last.set(key, at);
    void record(workspaceId, { action: 'opened', what });
  };
}

/** `doc:plan` → 'plan', `doc:meeting:<id>` → 'minutes:<id>', other documents by their name; nothing for non-documents. */
function documentWhat(stream: string): string | undefined {
  if (!stream.startsWith('doc:')) return undefined;
  const name = stream.slice('doc:'.length);
  const what = name.startsWith('meeting:') ? `minutes:${name.slice('meeting:'.length)}` : name;
  return /^[A-Za-z0-9_:.-]{1,64}$/.test(what) ? what : undefined;
}
