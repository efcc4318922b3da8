/**
 * The workspace list: cases and consultations, newest activity first, each with its
 * unread chat messages, who else has it open now, and its members at a glance.
 */
import { useTranslation } from 'react-i18next';
import type { Workspace } from '@yhteispoyta/local-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { routeHash } from '../app/route';
import { useWorkspaces } from '../app/workspaces-context';
import { formatAgo } from '../lib/format';
import { useMemberName } from '../members/use-member-name';
import { useSelf } from '../app/agent-context';
import { CreateWorkspaceForm } from './CreateWorkspaceForm';
import { InvitationList } from './InvitationList';
import { JoinWithCodeForm } from './JoinWithCodeForm';
import { MyTasks } from './MyTasks';
import { NotificationControl } from '../reach/NotificationControl';

/** The list view. */
export function WorkspaceList() {
  const { t } = useTranslation();
  const { workspaces, loadError, lastActivity } = useWorkspaces();
  // A client takes part in the case he was invited to; only professionals create workspaces.
  const self = useSelf();
  const canCreate = self.role !== 'client';
  const sorted = [...(workspaces ?? [])].sort((a, b) => lastActivity(b.workspaceId) - lastActivity(a.workspaceId) || a.label.localeCompare(b.label));
  return (
    <div className="workspace-list-view">
      <h1>{t('workspaces.title')}</h1>
      <ErrorNotice error={loadError} />
      <InvitationList />
      <NotificationControl profile={self.profile} />
      {workspaces === undefined || workspaces.length === 0 ? null : <MyTasks />}
      <div className="list-columns">
        <section aria-labelledby="workspace-list-title">
          <h2 id="workspace-list-title" className="visually-hidden">
            {t('workspaces.yours')}
          </h2>
          {workspaces === undefined ? (
            <p role="status">{t('common.loading')}</p>
          ) : sorted.length === 0 ? (
            <p className="empty">{t('workspaces.none')}</p>
          ) : (
            <ul className="workspace-cards">
              {sorted.map((workspace) => (
                <WorkspaceCard key={workspace.workspaceId} workspace={workspace} />
              ))}
            </ul>
          )}
        </section>
        {canCreate ? <CreateWorkspaceForm /> : <JoinWithCodeForm />}
      </div>
    </div>
  );
}

function WorkspaceCard({ workspace }: { workspace: Workspace }) {
  const { t, i18n } = useTranslation();
  const { unread, online, lastActivity } = useWorkspaces();
  const active = lastActivity(workspace.workspaceId);
  const nameOf = useMemberName(workspace.members);
  const count = unread(workspace.workspaceId);
  const here = [...new Set(online(workspace.workspaceId).map((d) => d.userId))];
  return (
    <li className="workspace-card">
      <h3>
        <a href={routeHash({ name: 'workspace', workspaceId: workspace.workspaceId, tab: workspace.kind === 'consultation' ? 'chat' : 'plan' })}>{workspace.label === '' ? t('invitations.noLabel') : workspace.label}</a>
      </h3>
      <p className="card-meta">
        <span className={`badge badge-${workspace.kind}`}>{t(`workspaces.kinds.${workspace.kind}`)}</span>
        <span>{t('workspaces.members', { count: workspace.members.length })}</span>
        <span>
          {active > 0 ? t('workspaces.lastActivity', { when: formatAgo(active, i18n.language) }) : t('workspaces.noActivity')}
        </span>
      </p>
      <p className="card-meta">
        {count > 0 ? (
          <a className="badge badge-unread" href={routeHash({ name: 'workspace', workspaceId: workspace.workspaceId, tab: 'chat' })}>
            {t('workspaces.unread', { count })}
          </a>
        ) : (
          <span className="muted">{t('workspaces.noUnread')}</span>
        )}
        <span data-testid="online">
          {here.length === 0 ? (
            <span className="muted">{t('workspaces.nobodyOnline')}</span>
          ) : (
            <>
              <span className="online-dot" aria-hidden="true" />
              {t('workspaces.online', { names: here.map(nameOf).join(', ') })}
            </>
          )}
        </span>
      </p>
    </li>
  );
}
