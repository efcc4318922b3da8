/**
 * Reaching the person outside the open view: the tab title carries the unread count
 * (total, and the open workspace's own), and — once he has allowed it — desktop
 * notifications tell of new chat messages, mentions of him, and case records addressed
 * to him or his organisation (information requests, concern notices). Nothing is
 * notified for what he is reading now. Clicking a notification opens the place.
 */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseRecordView, ChatMessage, Workspace } from '@yhteispoyta/local-api';
import { recordsApi } from '../api/agent-api';
import { useAgent, useSelf } from '../app/agent-context';
import { usePeople } from '../app/people-context';
import { routeHash, useRoute } from '../app/route';
import type { WorkspaceTab } from '../app/route';
import { useWorkspaces } from '../app/workspaces-context';
import { memberName } from '../members/member-groups';
import { mentionsSelf } from './mentions';
import { addressedToSelf, chatNotification } from './notify';
import type { AddressedRecord, NotificationContent } from './notify';
import { notificationPermission, useNotifySettings } from './notify-settings';
import { unreadTitle } from './unread-title';

function toAddressed(record: CaseRecordView): AddressedRecord {
  if (record.kind === 'request') return { kind: 'request', to: record.to, authorUserId: record.author.userId };
  if (record.kind === 'concern') return { kind: 'concern', toOrgId: record.toOrgId, authorUserId: record.author.userId };
  return { kind: 'other', authorUserId: record.author.userId };
}

function show(content: NotificationContent, workspaceId: string, tab: WorkspaceTab): void {
  if (notificationPermission() !== 'granted') return;
  const notification = new window.Notification(content.title, { ...(content.body === undefined ? {} : { body: content.body }), tag: content.tag });
  notification.onclick = () => {
    window.focus();
    window.location.hash = routeHash({ name: 'workspace', workspaceId, tab });
    notification.close();
  };
}

/** Keep the title and the notifications going for the ready page. */
function useReach(): void {
  const { t } = useTranslation();
  const self = useSelf();
  const route = useRoute();
  const { onChat, onRecords } = useAgent();
  const { announcedName } = usePeople();
  const { workspaces, unread, reading } = useWorkspaces();
  const [settings] = useNotifySettings(self.profile);

  // The title: total unread, and in a workspace its label and own count.
  const total = (workspaces ?? []).reduce((sum, w) => sum + unread(w.workspaceId), 0);
  const open = route.name === 'workspace' ? workspaces?.find((w) => w.workspaceId === route.workspaceId) : undefined;
  const title = unreadTitle(total, open === undefined ? undefined : { label: open.label, here: unread(open.workspaceId) });
  useEffect(() => {
    document.title = title;
  }, [title]);
  useEffect(
    () => () => {
      document.title = unreadTitle(0);
    },
    [],
  );

  // What the listeners need, fresh, without re-subscribing on every change.
  const latest = useRef({ workspaces, reading, settings, self, t, announcedName });
  latest.current = { workspaces, reading, settings, self, t, announcedName };

  const notified = useRef(new Set<string>());
  useEffect(
    () =>
      onChat((workspaceId, message: ChatMessage) => {
        const now = latest.current;
        if (!now.settings.enabled || notified.current.has(message.id)) return;
        const workspace = now.workspaces?.find((w) => w.workspaceId === workspaceId);
        if (workspace === undefined) return;
        const nameOf = (userId: string) => nameIn(workspace, userId, now.announcedName, now.t('roles.client'));
        const others = workspace.members.map((m) => nameOf(m.userId));
        const selfNames = [now.self.displayName, nameOf(now.self.userId)].filter((n) => n.trim() !== '');
        const content = chatNotification(
          {
            id: message.id,
            workspaceId,
            authorUserId: message.author.userId,
            text: message.text,
            deleted: message.deleted,
            edited: message.editedAt !== undefined,
          },
          {
            selfUserId: now.self.userId,
            reading: now.reading === workspaceId,
            mentioned: mentionsSelf(message.text, others, selfNames),
            showContents: now.settings.showContents,
            authorName: nameOf(message.author.userId) || (message.authorName ?? ''),
            workspaceLabel: workspace.label,
          },
          {
            message: (author) => now.t('reach.newMessage', { author }),
            mention: (author) => now.t('reach.mentioned', { author }),
            contents: (label, text) => `${label}: ${text}`,
          },
        );
        if (content === undefined) return;
        notified.current.add(message.id);
        show(content, workspaceId, 'chat');
      }),
    [onChat],
  );

  // Records: what was already there when notifications were turned on is not news.
  const knownRecords = useRef(new Map<string, Set<string>>());
  const ids = (workspaces ?? []).map((w) => w.workspaceId).join(',');
  useEffect(() => {
    if (!settings.enabled) return;
    for (const workspaceId of ids === '' ? [] : ids.split(',')) {
      if (knownRecords.current.has(workspaceId)) continue;
      const known = new Set<string>();
      knownRecords.current.set(workspaceId, known);
      recordsApi.list(workspaceId).then(
        (list) => list.forEach((r) => known.add(r.id)),
        () => knownRecords.current.delete(workspaceId),
      );
    }
  }, [settings.enabled, ids]);
  useEffect(
    () =>
      onRecords((workspaceId) => {
        const known = knownRecords.current.get(workspaceId);
        if (!latest.current.settings.enabled || known === undefined) return;
        void recordsApi.list(workspaceId).then(
          (list) => {
            const now = latest.current;
            const workspace = now.workspaces?.find((w) => w.workspaceId === workspaceId);
            for (const record of list) {
              if (known.has(record.id)) continue;
              known.add(record.id);
              if (workspace === undefined || !addressedToSelf(toAddressed(record), { userId: now.self.userId, orgId: now.self.orgId })) continue;
              const author = nameIn(workspace, record.author.userId, now.announcedName, now.t('roles.client'));
              const kind = record.kind === 'concern' ? 'reach.newConcern' : 'reach.newRequest';
              show(
                {
                  title: now.t(kind, { author }),
                  ...(now.settings.showContents ? { body: workspace.label } : {}),
                  tag: `records:${workspaceId}`,
                },
                workspaceId,
                'records',
              );
            }
          },
          () => undefined,
        );
      }),
    [onRecords],
  );
}

function nameIn(workspace: Workspace, userId: string, announcedName: (userId: string) => string | undefined, clientLabel: string): string {
  const member = workspace.members.find((m) => m.userId === userId) ?? workspace.formerMembers?.find((m) => m.userId === userId);
  return memberName(member ?? { userId }, announcedName, clientLabel);
}

/** {@link useReach} as a component with nothing to show, for a page that runs it only when the device is certified. */
export function ReachKeeper(): null {
  useReach();
  return null;
}
