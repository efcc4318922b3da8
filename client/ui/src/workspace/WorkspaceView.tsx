/**
 * One open workspace: its name and kind, who is here now, and its parts — the joint
 * plan, the chat, the case records, the case timeline, the members (with consent) and the
 * safety numbers — as tabs that are
 * plain links (so they work with the keyboard, the back button and a reload). The plan's
 * room stays open on every tab, so the others see this person as present.
 */
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Member } from '@yhteispoyta/local-api';
import { useSelf } from '../app/agent-context';
import { usePeople } from '../app/people-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { WORKSPACE_TABS, routeHash } from '../app/route';
import type { WorkspaceTab } from '../app/route';
import { useWorkspaces } from '../app/workspaces-context';
import { ChatView } from '../chat/ChatView';
import { FilesView } from '../files/FilesView';
import { userColour } from '../lib/colour';
import { IdentityStatesProvider } from '../members/identity-states';
import { MembersView } from '../members/MembersView';
import { useMemberName } from '../members/use-member-name';
import { SafetyView } from '../members/SafetyView';
import { PlanView } from '../plan/PlanView';
import { RecordsView } from '../records/RecordsView';
import { usePlanRoom } from '../plan/use-plan-room';
import { usePlanHasContent } from '../plan/use-plan-content';
import { TimelineView } from '../timeline/TimelineView';
import { ProcessingView } from '../processing/ProcessingView';
import { RemovalNotices } from '../reach/RemovalNotices';

const NO_MEMBERS: readonly Member[] = [];

/** The workspace view. */
export function WorkspaceView({ workspaceId, tab }: { workspaceId: string; tab: WorkspaceTab }) {
  const { t } = useTranslation();
  const self = useSelf();
  const { workspaces, loadError, setOpen } = useWorkspaces();
  const workspace = workspaces?.find((w) => w.workspaceId === workspaceId);
  // Until certificates give the name, the profile's name is what others see next to the caret.
  const name = self.displayName.trim() === '' ? self.profile : self.displayName;
  const user = useMemo(() => ({ name, color: userColour(self.userId), userId: self.userId }), [name, self.userId]);

  // Only the chat tab reads the chat: its messages count as seen there (while the page is visible and focused).
  useEffect(() => {
    setOpen(tab === 'chat' ? workspaceId : undefined);
    return () => setOpen(undefined);
  }, [workspaceId, tab, setOpen]);

  if (workspace === undefined) {
    return (
      <div>
        <ErrorNotice error={loadError} />
        {workspaces === undefined ? (
          <p role="status">{t('common.loading')}</p>
        ) : (
          <>
            <RemovalNotices workspaceId={workspaceId} />
            <h1>{t('workspace.notFound')}</h1>
            <p>
              <a href="#/">{t('workspace.back')}</a>
            </p>
          </>
        )}
      </div>
    );
  }
  return (
    <IdentityStatesProvider key={workspaceId} workspaceId={workspaceId}>
      <OpenWorkspace key={workspaceId} workspaceId={workspaceId} tab={tab} user={user} selfRole={self.role} selfOrgId={self.orgId} />
    </IdentityStatesProvider>
  );
}

function OpenWorkspace({
  workspaceId,
  tab,
  user,
  selfRole,
  selfOrgId,
}: {
  workspaceId: string;
  tab: WorkspaceTab;
  user: { name: string; color: string; userId: string };
  selfRole: string;
  selfOrgId: string;
}) {
  const { t } = useTranslation();
  const { workspaces, online } = useWorkspaces();
  const { announcedName, learnName } = usePeople();
  const room = usePlanRoom(workspaceId, user);
  const workspace = workspaces?.find((w) => w.workspaceId === workspaceId);
  const nameOf = useMemberName(workspace?.members ?? NO_MEMBERS);
  const peers = room?.peers;
  // A consultation is a conversation between professionals: no plan tab unless its plan already holds something.
  const planHasContent = usePlanHasContent(room);
  const onlineIds = new Set(online(workspaceId).map((d) => d.userId));
  const onlineKey = [...onlineIds].sort().join(',');
  useEffect(() => {
    // Only a client member without a certified name (clients are not in the directory) whom the agent sees present.
    const present = new Set(onlineKey.split(','));
    for (const peer of peers ?? []) {
      const member = workspace?.members.find((m) => m.userId === peer.userId);
      if (member?.role === 'client' && member.displayName === undefined && present.has(peer.userId)) learnName(peer.userId, peer.name);
    }
  }, [peers, workspace, learnName, onlineKey]);
  if (workspace === undefined) return null;
  // Who is here: the agent's verified presence (kept across reloads of this page) and the room's awareness.
  // Only people the verified chain names now: a removed person leaves the list as soon as his removal is verified.
  const present = new Map<string, string>();
  const memberIds = new Set(workspace.members.map((m) => m.userId));
  for (const device of online(workspaceId)) if (memberIds.has(device.userId)) present.set(device.userId, nameOf(device.userId));
  for (const peer of peers ?? []) {
    if (peer.userId === user.userId || present.has(peer.userId)) continue;
    const member = workspace.members.find((m) => m.userId === peer.userId);
    if (member === undefined) continue;
    present.set(peer.userId, member.displayName ?? announcedName(peer.userId) ?? peer.name);
  }
  const peerNames = [...new Set(present.values())];
  const planShown = workspace.kind === 'case' || planHasContent;
  // "Tietojeni käsittely" is the client's view of his case (shown to its professionals too); a consultation has no client.
  const processingShown = workspace.kind === 'case';
  const tabs = WORKSPACE_TABS.filter((name) => (name !== 'plan' || planShown) && (name !== 'processing' || processingShown));
  const shown: WorkspaceTab = (tab === 'plan' && !planShown) || (tab === 'processing' && !processingShown) ? 'chat' : tab;

  return (
    <div className="workspace">
      <div className="workspace-head">
        <p className="breadcrumb">
          <a href="#/">{t('workspace.back')}</a>
        </p>
        <h1>
          {/* The label arrives encrypted with the workspace's key; until then a placeholder. */}
          {workspace.label === '' ? t('invitations.noLabel') : workspace.label} <span className={`badge badge-${workspace.kind}`}>{t(`workspaces.kinds.${workspace.kind}`)}</span>
        </h1>
        <p className="here-now" data-testid="here-now">
          {peerNames.length === 0 ? t('workspace.aloneHere') : t('workspace.hereNow', { names: peerNames.join(', ') })}
        </p>
      </div>
      <nav className="tabs" aria-label={t('workspace.sections')}>
        <ul>
          {tabs.map((name) => (
            <li key={name}>
              <a href={routeHash({ name: 'workspace', workspaceId, tab: name })} aria-current={name === shown ? 'page' : undefined}>
                {t(`workspace.tabs.${name}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="tab-panel">
        {shown === 'plan' ? <PlanView workspace={workspace} room={room} user={user} /> : null}
        {shown === 'chat' ? <ChatView workspace={workspace} selfUserId={user.userId} room={room} /> : null}
        {shown === 'records' ? (
          <RecordsView workspace={workspace} viewer={{ ...user, orgId: selfOrgId, role: selfRole }} planDoc={room?.synced === true ? room.doc : undefined} />
        ) : null}
        {shown === 'timeline' ? <TimelineView workspace={workspace} /> : null}
        {shown === 'files' ? <FilesView workspace={workspace} /> : null}
        {shown === 'members' ? <MembersView workspace={workspace} self={{ userId: user.userId, role: selfRole }} present={new Set(present.keys())} /> : null}
        {shown === 'safety' ? <SafetyView workspace={workspace} /> : null}
        {shown === 'processing' ? <ProcessingView workspace={workspace} selfUserId={user.userId} /> : null}
      </div>
    </div>
  );
}
