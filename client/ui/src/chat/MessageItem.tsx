/**
 * One chat message: who wrote it (name, organisation), when, whether its signature was
 * verified, its text and attachments; for one's own messages, editing and deleting.
 * Someone no longer a member keeps the organisation the verified chain last recorded for
 * him, marked "poistettu työtilasta"; mentions are marked, a mention of oneself stands out.
 */
import { InlineConfirm } from '../app/InlineConfirm';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CLIENTS_ORG_ID } from '@yhteispoyta/local-api';
import type { Attachment, ChatMessage, Workspace } from '@yhteispoyta/local-api';
import { chatApi } from '../api/agent-api';
import { usePeople } from '../app/people-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { formatBytes, formatDateTime } from '../lib/format';
import { VerifiedMark } from '../members/identity-states';
import { memberName } from '../members/member-groups';
import { SignatureMark } from '../app/SignatureMark';
import { useSelf } from '../app/agent-context';
import { splitMentions } from '../reach/mentions';

/** Props of {@link MessageItem}. */
export interface MessageItemProps {
  readonly message: ChatMessage;
  readonly workspace: Workspace;
  readonly own: boolean;
  onDownload(attachment: Attachment): Promise<void>;
}

/** A message in the list. */
export function MessageItem({ message, workspace, own, onDownload }: MessageItemProps) {
  const { t, i18n } = useTranslation();
  const { announcedName, orgName } = usePeople();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.text);
  const edit = useAction();
  const remove = useAction();
  const download = useAction();
  const editId = useId();

  const self = useSelf();
  const member = workspace.members.find((m) => m.userId === message.author.userId);
  const former = member === undefined ? workspace.formerMembers?.find((m) => m.userId === message.author.userId) : undefined;
  const known = member ?? former;
  // The certified name first; a message's own claim only for someone no longer a member.
  const author = memberName(
    { userId: message.author.userId, role: known?.role, displayName: known?.displayName ?? message.authorName },
    announcedName,
    t('roles.client'),
  );
  const orgId = message.authorOrgId ?? known?.orgId;
  const org = orgId === undefined ? undefined : orgId === CLIENTS_ORG_ID ? t('roles.client') : (known?.orgId === orgId ? known.orgName : undefined) ?? orgName(orgId) ?? orgId;
  const removedMark = former === undefined ? null : <span className="removed-mark"> · {t('reach.removedMark')}</span>;
  const names = [...workspace.members, ...(workspace.formerMembers ?? [])].map((m) => memberName(m, announcedName, t('roles.client')));
  const selfName = self.displayName.trim();
  const parts = splitMentions(message.text, names, selfName === '' ? [] : [selfName]);
  const mentionsMe = parts.some((part) => part.mention?.self === true);

  if (message.deleted) {
    return (
      <li className="message message-deleted">
        <p className="message-meta">
          <span className="message-author">{author}</span>
          {removedMark} · <time dateTime={new Date(message.sentAt).toISOString()}>{formatDateTime(message.sentAt, i18n.language)}</time>
        </p>
        <p className="muted">{t('chat.deleted')}</p>
      </li>
    );
  }

  return (
    <li className={['message', own ? 'message-own' : '', mentionsMe ? 'message-mentions-me' : ''].filter((c) => c !== '').join(' ')}>
      <article aria-label={t('chat.messageFrom', { author })}>
        <p className="message-meta">
          <span className="message-author">{author}</span>
          <VerifiedMark userId={message.author.userId} />
          {org === undefined ? null : <span className="message-org"> · {org}</span>}
          {removedMark}
          {mentionsMe ? <span className="mention-me-mark"> · {t('reach.mentionsYou')}</span> : null}
          {' · '}
          <time dateTime={new Date(message.sentAt).toISOString()}>{formatDateTime(message.sentAt, i18n.language)}</time>
          {message.verified ? (
            <SignatureMark />
          ) : (
            <span className="unverified-mark">
              <span aria-hidden="true">⚠ </span>
              {t('chat.unverified')}
            </span>
          )}
          {message.pending ? <span className="pending-mark"> · {t('chat.pending')}</span> : null}
          {message.editedAt === undefined ? null : <span className="muted"> · {t('chat.edited')}</span>}
        </p>
        {editing ? (
          <form
            className="message-edit"
            onSubmit={(event) => {
              event.preventDefault();
              void edit.run(async () => {
                await chatApi.edit(workspace.workspaceId, message.id, draft);
                setEditing(false);
              });
            }}
          >
            <label htmlFor={editId}>{t('chat.editLabel')}</label>
            <textarea id={editId} value={draft} onChange={(e) => setDraft(e.target.value)} rows={3} />
            <ErrorNotice error={edit.error} />
            <div className="button-row">
              <button type="submit" disabled={edit.busy || draft.trim() === ''}>
                {t('chat.save')}
              </button>
              <button type="button" className="button-secondary" onClick={() => setEditing(false)}>
                {t('common.cancel')}
              </button>
            </div>
          </form>
        ) : message.text === '' ? null : (
          <p className="message-text">
            {parts.map((part, i) =>
              part.mention === undefined ? (
                part.text
              ) : (
                <mark key={i} className={part.mention.self ? 'mention mention-self' : 'mention'}>
                  {part.text}
                </mark>
              ),
            )}
          </p>
        )}
        {message.attachments.length === 0 ? null : (
          <ul className="attachments" aria-label={t('chat.attachments')}>
            {message.attachments.map((attachment) => (
              <li key={attachment.blobId}>
                <span className="attachment-name">{attachment.name}</span> <span className="muted">({formatBytes(attachment.size, i18n.language)})</span>{' '}
                <button
                  type="button"
                  className="button-secondary"
                  aria-label={`${t('chat.download')}: ${attachment.name}`}
                  disabled={download.busy}
                  onClick={() => void download.run(() => onDownload(attachment))}
                >
                  {t('chat.download')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <ErrorNotice error={download.error} />
        {own && !editing ? (
          <div className="button-row message-tools">
            <button
              type="button"
              className="button-link"
              onClick={() => {
                setDraft(message.text);
                setEditing(true);
              }}
            >
              {t('chat.edit')}
            </button>
            <InlineConfirm
              label={t('chat.delete')}
              question={t('chat.confirmDelete')}
              confirmLabel={t('chat.deleteYes')}
              cancelLabel={t('common.cancel')}
              busy={remove.busy}
              onConfirm={() => void remove.run(() => chatApi.remove(workspace.workspaceId, message.id))}
            />
          </div>
        ) : null}
        <ErrorNotice error={remove.error} />
      </article>
    </li>
  );
}
