/**
 * What members are told about devices coming and going in a workspace: the verified
 * chain's device additions and removals ("Maija lisäsi uuden laitteen"), newest first.
 * A change a person made to his own devices reads as his own act; one someone else
 * signed (an owner removing a revoked device, an inviter adding a client's first device)
 * reads in the passive, with who made it on a line of its own.
 */
import type { WorkspaceNotice } from '@yhteispoyta/local-api';

/** The sentence keys of a notice. */
export const NOTICE_KEYS = ['members.notices.addedOwn', 'members.notices.added', 'members.notices.removedOwn', 'members.notices.removed'] as const;
/** One of them. */
export type NoticeKey = (typeof NOTICE_KEYS)[number];

/** A notice ready to be translated. */
export interface NoticePhrase {
  readonly key: NoticeKey;
  readonly values: { readonly name: string; readonly device: number };
  /** who signed the change, when it was not the person himself */
  readonly by?: string;
}

/** The phrase of a notice; `nameOf` names anyone the notice does not name itself. */
export function describeNotice(notice: WorkspaceNotice, nameOf: (userId: string) => string): NoticePhrase {
  const own = notice.by.userId === notice.userId;
  const named = notice.displayName?.trim();
  const name = named === undefined || named === '' ? nameOf(notice.userId) : named;
  const key: NoticeKey =
    notice.kind === 'device_added' ? (own ? 'members.notices.addedOwn' : 'members.notices.added') : own ? 'members.notices.removedOwn' : 'members.notices.removed';
  return { key, values: { name, device: notice.deviceId }, ...(own ? {} : { by: nameOf(notice.by.userId) }) };
}

/** The newest `limit` notices, newest first (the chain's order breaks ties: later first). */
export function recentNotices(notices: readonly WorkspaceNotice[], limit: number): WorkspaceNotice[] {
  return notices
    .map((notice, index) => ({ notice, index }))
    .sort((a, b) => b.notice.at - a.notice.at || b.index - a.index)
    .slice(0, Math.max(0, limit))
    .map(({ notice }) => notice);
}
