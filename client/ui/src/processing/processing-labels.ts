/**
 * Plain-language names for what the processing log records (issue 13): the server's audit
 * actions grouped as the client understands them, and what each entry was about. Pure, so
 * it is tested without a page.
 */
import type { ProcessingEntry } from '@yhteispoyta/local-api';

/** What kind of processing an entry is, or undefined for the server's own bookkeeping. */
export type ProcessingKind = 'joined' | 'fetched' | 'downloaded' | 'uploaded' | 'opened' | 'exported' | 'membership' | 'invited' | 'enrolled' | 'read_log';

const KINDS: Readonly<Record<string, ProcessingKind>> = {
  join: 'joined',
  fetch: 'fetched',
  blob_download: 'downloaded',
  blob_upload: 'uploaded',
  document_open: 'opened',
  export: 'exported',
  membership_append: 'membership',
  invitation_issue: 'invited',
  enrol: 'enrolled',
  audit_query: 'read_log',
};

/** The kind of an entry; entries without one (key delivery, denials) are left out of the client's list. */
export function kindOf(entry: Pick<ProcessingEntry, 'action'>): ProcessingKind | undefined {
  return KINDS[entry.action];
}

/**
 * What the entry was about, from its detail: a document, an attachment, or a chain event as
 * `membership:<type>` (the page names it in words: see {@link MEMBERSHIP_SUBJECTS}).
 */
export function subjectOf(entry: Pick<ProcessingEntry, 'action' | 'detail'>): string | undefined {
  const d = entry.detail;
  if (entry.action === 'document_open' || entry.action === 'export') return [d['what'], d['format']?.toUpperCase()].filter((x) => x !== undefined).join(' · ');
  if (entry.action === 'blob_download' || entry.action === 'blob_upload') return d['blobId'];
  if (entry.action === 'membership_append') return d['type'] === undefined ? undefined : `membership:${d['type']}`;
  if (entry.action === 'fetch') return d['what'] ?? d['stream'];
  return undefined;
}

/** Chain event types the page names in words (processing.events.<type>). */
export const MEMBERSHIP_SUBJECTS = ['create', 'add_member', 'remove_member', 'add_device', 'remove_device', 'grant_consent', 'revoke_consent', 'rotate_epoch', 'close', 'record_basis'] as const;
