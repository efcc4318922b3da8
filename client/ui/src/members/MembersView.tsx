/**
 * Members of a workspace by organisation (its certified name marked verified) and role,
 * who is here now, who is not backed by certificates, devices added and removed, the
 * client's consent (the status for everyone, the panel for the client himself), and for
 * owners adding a professional, inviting the client and removing members.
 */
import { useTranslation } from 'react-i18next';
import { CLIENTS_ORG_ID } from '@yhteispoyta/local-api';
import type { Workspace } from '@yhteispoyta/local-api';
import { usePeople } from '../app/people-context';
import { AddMemberForm } from './AddMemberForm';
import { ConsentPanel } from './ConsentPanel';
import { ConsentStatus } from './ConsentStatus';
import { DeviceNotices } from './DeviceNotices';
import { InviteClientForm } from './InviteClientForm';
import { flaggedCount, groupMembers, memberName } from './member-groups';
import { MemberRow } from './MemberRow';

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
    (m) => memberName(m, announcedName, t('roles.client')),
  );
  const flagged = flaggedCount(workspace.members);
  const hasClient = workspace.members.some((m) => m.role === 'client');

  return (
    <div className="members-view">
      <h2>{t('members.title')}</h2>
      {flagged === 0 ? null : (
        <div className="notice notice-danger" role="alert">
          <p>{t('members.uncertifiedWarning', { count: flagged })}</p>
        </div>
      )}
      <div className="members-columns">
        <div>
          {groups.map((group) => (
            <section key={group.orgId} className="member-group" aria-labelledby={`org-${group.orgId}`}>
              <h3 id={`org-${group.orgId}`}>
                {group.orgName}
                {group.orgCertified ? (
                  <span className="badge badge-certified">
                    <span aria-hidden="true">✓ </span>
                    {t('members.orgCertified')}
                  </span>
                ) : null}
              </h3>
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
          <DeviceNotices workspace={workspace} />
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
