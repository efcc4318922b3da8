/**
 * The workspace chat: signed messages in the order the server sequenced them, each with
 * its author, organisation, time and whether its signature was verified; one's own can
 * be edited and deleted. Attachments are encrypted by the agent; their transfers show
 * progress bars fed by the agent's events. New messages of others are announced to
 * screen readers. System notices (joins, removals, consent changes) from the verified
 * chain stand among the messages; who is writing now shows under the list ("kirjoittaa…"),
 * from the others' encrypted presence in the workspace's room.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment, ChatMessage, Workspace } from '@yhteispoyta/local-api';
import { chatApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { randomId } from '../lib/ids';
import { useSelf } from '../app/agent-context';
import { useMemberName } from '../members/use-member-name';
import { NotificationControl } from '../reach/NotificationControl';
import type { PlanRoom } from '../plan/use-plan-room';
import { chatTimeline } from './chat-timeline';
import { Composer } from './Composer';
import { SystemNotice } from './SystemNotice';
import { MessageItem } from './MessageItem';
import { TransferList } from './TransferList';
import type { LocalTransfer } from './transfers';

/** Messages in display order: sequenced ones by seq, not yet acknowledged ones after them by time. */
function orderMessages(messages: Iterable<ChatMessage>): ChatMessage[] {
  return [...messages].sort((a, b) => {
    if (a.seq === 0 || b.seq === 0) return a.seq === 0 && b.seq === 0 ? a.sentAt - b.sentAt : a.seq === 0 ? 1 : -1;
    return a.seq - b.seq;
  });
}

/** The chat of one workspace. */
export function ChatView({ workspace, selfUserId, room }: { workspace: Workspace; selfUserId: string; room?: PlanRoom | undefined }) {
  const { t } = useTranslation();
  const self = useSelf();
  const memberNameOf = useMemberName(workspace.members);
  // Former members keep the name the chain's last record of them gives.
  const nameOf = useCallback(
    (userId: string) => workspace.formerMembers?.find((m) => m.userId === userId && m.displayName !== undefined)?.displayName ?? memberNameOf(userId),
    [workspace.formerMembers, memberNameOf],
  );
  const { onChat, transfers } = useAgent();
  const workspaceId = workspace.workspaceId;
  const [messages, setMessages] = useState<ReadonlyMap<string, ChatMessage> | undefined>(undefined);
  const [announcement, setAnnouncement] = useState('');
  const [local, setLocal] = useState<ReadonlyMap<string, LocalTransfer>>(new Map());
  const load = useAction();
  const loadRun = load.run;

  useEffect(() => {
    setMessages(undefined);
    void loadRun(async () => {
      const list = await chatApi.list(workspaceId);
      setMessages((previous) => {
        const merged = new Map(list.map((m) => [m.id, m]));
        // Events that arrived while the list was loading are newer.
        for (const [id, m] of previous ?? []) merged.set(id, m);
        return merged;
      });
    });
  }, [workspaceId, loadRun]);

  const current = useRef(messages);
  useEffect(() => {
    current.current = messages;
  }, [messages]);

  useEffect(
    () =>
      onChat((from, message) => {
        if (from !== workspaceId) return;
        const known = current.current?.has(message.id) ?? false;
        if (!known && message.author.userId !== selfUserId && !message.deleted) {
          setAnnouncement(t('chat.announce', { text: message.text.slice(0, 200) }));
        }
        setMessages((previous) => new Map(previous ?? []).set(message.id, message));
      }),
    [onChat, workspaceId, selfUserId, t],
  );

  const track = useCallback((transfer: LocalTransfer) => setLocal((previous) => new Map(previous).set(transfer.transferId, transfer)), []);

  const download = useCallback(
    async (attachment: Attachment) => {
      const transferId = randomId();
      const started: LocalTransfer = { transferId, direction: 'download', name: attachment.name, size: attachment.size, outcome: 'running', startedAt: Date.now() };
      track(started);
      try {
        const blob = await chatApi.download(workspaceId, attachment.blobId, transferId);
        saveBlob(blob, attachment.name);
        track({ ...started, outcome: 'done' });
      } catch (error) {
        track({ ...started, outcome: 'failed' });
        throw error;
      }
    },
    [workspaceId, track],
  );

  const ordered = useMemo(() => orderMessages(messages?.values() ?? []), [messages]);
  const timeline = useMemo(() => chatTimeline(ordered, workspace.memberNotices ?? []), [ordered, workspace.memberNotices]);
  // Members only: a removed person's last "typing" state is not shown.
  const typing = (room?.typing ?? []).filter((userId) => userId !== selfUserId && workspace.members.some((m) => m.userId === userId)).map(nameOf);
  const workspaceTransfers = [...local.values()];

  return (
    <div className="chat-view">
      <h2 id="chat-title">{t('chat.title')}</h2>
      <div className="visually-hidden" aria-live="polite" data-testid="chat-announcer">
        {announcement}
      </div>
      <ErrorNotice error={load.error} />
      {messages === undefined ? (
        <p role="status">{t('common.loading')}</p>
      ) : timeline.length === 0 ? (
        <p className="empty">{t('chat.none')}</p>
      ) : (
        <ol className="messages" aria-labelledby="chat-title">
          {timeline.map((item) =>
            item.kind === 'notice' ? (
              <SystemNotice key={`notice-${item.notice.seq}`} notice={item.notice} nameOf={nameOf} />
            ) : (
              <MessageItem key={item.message.id} message={item.message} workspace={workspace} own={item.message.author.userId === selfUserId} onDownload={download} />
            ),
          )}
        </ol>
      )}
      <p className="typing-line" data-testid="typing" aria-live="polite">
        {typing.length === 0 ? '' : typing.length === 1 ? t('reach.typingOne', { name: typing[0] }) : t('reach.typingMany', { names: typing.join(', ') })}
      </p>
      <TransferList rows={workspaceTransfers} progress={transfers} />
      <Composer workspaceId={workspaceId} onTransfer={track} room={room} memberNames={workspace.members.filter((m) => m.userId !== selfUserId).map((m) => nameOf(m.userId))} />
      <NotificationControl profile={self.profile} />
    </div>
  );
}

/** Hand a downloaded file to the browser's download manager. */
function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL; keep it alive a moment for slow disks.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
