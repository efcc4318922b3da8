/**
 * Adding a professional from the organisation directory: choose the organisation, then
 * the person. In a case with the client present, organisations outside the client's
 * consent are marked and cannot be chosen — the rule every agent and the server enforce.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CLIENTS_ORG_ID } from '@yhteispoyta/local-api';
import type { Workspace } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { usePeople } from '../app/people-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { useWorkspaces } from '../app/workspaces-context';
import { mayAddFrom } from './member-groups';

/** The add-member form (owners). */
export function AddMemberForm({ workspace }: { workspace: Workspace }) {
  const { t } = useTranslation();
  const { orgs, usersOf } = usePeople();
  const { upsert } = useWorkspaces();
  const [orgId, setOrgId] = useState('');
  const [userId, setUserId] = useState('');
  const add = useAction();
  const [added, setAdded] = useState<{ userId: string; name: string } | undefined>(undefined);
  const ids = { org: useId(), person: useId(), hint: useId() };
  const memberIds = new Set(workspace.members.map((m) => m.userId));
  const candidates = usersOf(orgId).filter((u) => !memberIds.has(u.userId));
  const allowed = orgId === '' || mayAddFrom(orgId, workspace);

  return (
    <form
      className="card"
      aria-labelledby="add-member-title"
      onSubmit={(event) => {
        event.preventDefault();
        const person = candidates.find((u) => u.userId === userId);
        if (person === undefined) return;
        void add.run(async () => {
          upsert(await workspacesApi.addMember(workspace.workspaceId, userId));
          setAdded({ userId: person.userId, name: person.displayName });
          setUserId('');
        });
      }}
    >
      <h3 id="add-member-title">{t('members.addTitle')}</h3>
      <label htmlFor={ids.org}>{t('members.org')}</label>
      <select
        id={ids.org}
        value={orgId}
        onChange={(event) => {
          setOrgId(event.target.value);
          setUserId('');
          setAdded(undefined);
        }}
      >
        <option value="">{t('members.chooseOrg')}</option>
        {orgs
          .filter((o) => o.orgId !== CLIENTS_ORG_ID)
          .map((org) => (
            <option key={org.orgId} value={org.orgId}>
              {mayAddFrom(org.orgId, workspace) ? org.name : t('members.outsideConsent', { org: org.name })}
            </option>
          ))}
      </select>
      {allowed ? null : (
        <p className="notice notice-warning" role="status">
          {t('members.needsConsent')}
        </p>
      )}
      <label htmlFor={ids.person}>{t('members.person')}</label>
      <select id={ids.person} value={userId} disabled={orgId === '' || !allowed} onChange={(event) => setUserId(event.target.value)}>
        <option value="">{orgId === '' ? t('members.chooseOrgFirst') : candidates.length === 0 ? t('members.nobodyToAdd') : t('members.choosePerson')}</option>
        {candidates.map((user) => (
          <option key={user.userId} value={user.userId}>
            {user.displayName} ({t(`roles.${user.role}`)})
          </option>
        ))}
      </select>
      <ErrorNotice error={add.error} />
      {added === undefined || !memberIds.has(added.userId) ? null : (
        <p className="notice notice-success" role="status">
          {t('members.added', { name: added.name })}
        </p>
      )}
      <button type="submit" disabled={add.busy || userId === '' || !allowed} aria-busy={add.busy}>
        {add.busy ? t('members.adding') : t('members.add')}
      </button>
    </form>
  );
}
