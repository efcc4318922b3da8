/**
 * What deserves a desktop notification, and what it may say. A notification shows outside
 * the page — on a lock screen, in a shared room's task bar — so by default it says only
 * what kind of thing arrived and from whom; the workspace's name (often a client's) and
 * the message's text only when the person has chosen to show contents.
 */

/** What a notification says: a title, optionally a body, and a tag (a newer one replaces an older one of the same tag). */
export interface NotificationContent {
  readonly title: string;
  readonly body?: string;
  readonly tag: string;
}

/** A chat message as the decision needs it. */
export interface NotifiableMessage {
  readonly id: string;
  readonly workspaceId: string;
  readonly authorUserId: string;
  readonly text: string;
  readonly deleted: boolean;
  readonly edited: boolean;
}

/** The person's choices and what the page knows about him. */
export interface NotifyContext {
  readonly selfUserId: string;
  /** the person reads this workspace's chat now (visible and focused): nothing to notify */
  readonly reading: boolean;
  readonly mentioned: boolean;
  readonly showContents: boolean;
  readonly authorName: string;
  readonly workspaceLabel: string;
}

/** The sentences (translated by the caller). */
export interface NotifyPhrases {
  message(author: string): string;
  mention(author: string): string;
  /** `workspace: text` */
  contents(workspace: string, text: string): string;
}

const MAX_BODY_CHARS = 120;

/** The notification for a newly arrived message, or undefined when it deserves none. */
export function chatNotification(message: NotifiableMessage, context: NotifyContext, phrases: NotifyPhrases): NotificationContent | undefined {
  if (message.authorUserId === context.selfUserId || message.deleted || message.edited || context.reading) return undefined;
  const title = context.mentioned ? phrases.mention(context.authorName) : phrases.message(context.authorName);
  const text = message.text.length > MAX_BODY_CHARS ? `${message.text.slice(0, MAX_BODY_CHARS - 1)}…` : message.text;
  return {
    title,
    ...(context.showContents ? { body: phrases.contents(context.workspaceLabel, text) } : {}),
    tag: `chat:${message.workspaceId}`,
  };
}

/** A case record as the decision needs it. */
export type AddressedRecord =
  | { readonly kind: 'request'; readonly to: { readonly kind: 'org'; readonly orgId: string } | { readonly kind: 'member'; readonly userId: string }; readonly authorUserId: string }
  | { readonly kind: 'concern'; readonly toOrgId: string; readonly authorUserId: string }
  | { readonly kind: 'other'; readonly authorUserId: string };

/** Whether a record is addressed to this person: a request to him or his organisation, a concern notice to his organisation. */
export function addressedToSelf(record: AddressedRecord, self: { readonly userId: string; readonly orgId: string }): boolean {
  if (record.authorUserId === self.userId) return false;
  if (record.kind === 'request') return record.to.kind === 'member' ? record.to.userId === self.userId : record.to.orgId === self.orgId;
  if (record.kind === 'concern') return record.toOrgId === self.orgId;
  return false;
}
