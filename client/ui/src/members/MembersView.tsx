/**
 * Members of a workspace by organisation and role, who is here now, the client's consent
 * (the status for everyone, the panel for the client himself), and for owners adding a
 * professional, inviting the client and removing members.
 */
import { useTranslation } from 'react-i18next';
import { workspacesApi } from '../api/agent-api';
import { CLIENTS_ORG_ID } from '../api/schemas';
import type { Workspace } from '../api/schemas';
import { usePeople } from '../app/people-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { useWorkspaces } from '../app/workspaces-context';
import { AddMemberForm } from './AddMemberForm';
import { ConsentPanel } from './ConsentPanel';
import { ConsentStatus } from './ConsentStatus';
import { InviteClientForm } from './InviteClientForm';
import { groupMembers } from './member-groups';
import type { NamedMember } from './member-groups';

/** The members view; `present` are the users here now (as the workspace view determined). */
export function MembersView({ workspace, self, present }: { workspace: Workspace; self: { userId: string; role: string }; present: ReadonlySet<string> }) {
  const { t } = useTranslation();
  const { orgName, announcedName } = usePeople();
  const mine = workspace.members.find((m) => m.userId === self.userId);
  const isOwner = mine?.owner === true;
  const isClient = self.role === 'client';
  const groups = groupMembers(
    workspace.members,
    (id) => (id === CLIENTS_ORG_ID ? t('members.clientGroup') : (orgName(id) ?? id)),
    (m) => announcedName(m.userId) ?? (m.role === 'client' ? t('roles.client') : m.userId),
  );
  const hasClient = workspace.members.some((m) => m.role === 'client');

  return (
    <div className="members-view">
      <h2>{t('members.title')}</h2>
      <div className="members-columns">
        <div>
          {groups.map((group) => (
            <section key={group.orgId} className="member-group" aria-labelledby={`org-${group.orgId}`}>
              <h3 id={`org-${group.orgId}`}>{group.orgName}</h3>
              <ul className="member-list">
                {group.members.map((member) => (
                  <MemberRow
                    key={member.userId}
                    workspace={workspace}
                    member={member}
                    isSelf={member.userId === self.userId}
                    online={present.has(member.userId)}
                    canRemove={isOwner && member.userId !== self.userId}
                  />
                ))}
              </ul>
            </section>
          ))}
        </div>
        <div>
          <ConsentStatus workspace={workspace} />
          {isClient && workspace.kind === 'case' ? <ConsentPanel workspace={workspace} /> : null}
          {isOwner && !isClient ? <AddMemberForm workspace={workspace} /> : null}
          {isOwner && !isClient && workspace.kind === 'case' ? <InviteClientForm workspace={workspace} clientPresent={hasClient} /> : null}
        </div>
      </div>
    </div>
  );
}

function MemberRow({ workspace, member, isSelf, online, canRemove }: { workspace: Workspace; member: NamedMember; isSelf: boolean; online: boolean; canRemove: boolean }) {
  const { t } = useTranslation();
  const { upsert } = useWorkspaces();
  const remove = useAction();
  return (
    <li className="member" data-user-id={member.userId}>
      <span className="member-name">
        {member.name}
        {isSelf ? <span className="muted"> ({t('members.you')})</span> : null}
      </span>
      <span className="member-role">{t(`roles.${member.role}`)}</span>
      {member.owner ? <span className="badge">{t('members.owner')}</span> : null}
      {member.devices.length === 0 ? <span className="badge badge-waiting">{t('members.notEnrolled')}</span> : null}
      {online ? (
        <span className="online">
          <span className="online-dot" aria-hidden="true" />
          {t('members.online')}
        </span>
      ) : null}
      {canRemove ? (
        <button
          type="button"
          className="button-danger"
          aria-label={`${t('members.remove')}: ${member.name}`}
          disabled={remove.busy}
          onClick={() => {
            if (!window.confirm(t('members.confirmRemove', { name: member.name }))) return;
            void remove.run(async () => upsert(await workspacesApi.removeMember(workspace.workspaceId, member.userId)));
          }}
        >
          {t('members.remove')}
        </button>
      ) : null}
      <ErrorNotice error={remove.error} />
    </li>
  );
}
