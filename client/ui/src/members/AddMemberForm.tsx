/**
 * Adding a professional: choose the organisation, search it by name, choose the person.
 * The directory is searched, never listed whole (issue 15): the server answers at most 20
 * people, and the agent shows each only as his certificates say. In a case with the client
 * present, organisations outside the client's consent are marked and cannot be chosen —
 * the rule every agent and the server enforce.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CLIENTS_ORG_ID } from '@yhteispoyta/local-api';
import type { DirectoryUser, Workspace } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { usePeople } from '../app/people-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { useWorkspaces } from '../app/workspaces-context';
import { mayAddFrom } from './member-groups';

/** Shortest name fragment the directory search takes. */
const MIN_QUERY_CHARS = 2;

/** The add-member form (owners). */
export function AddMemberForm({ workspace }: { workspace: Workspace }) {
  const { t } = useTranslation();
  const { orgs } = usePeople();
  const { upsert } = useWorkspaces();
  const [orgId, setOrgId] = useState('');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<readonly DirectoryUser[] | undefined>(undefined);
  const [userId, setUserId] = useState('');
  const add = useAction();
  const search = useAction();
  const [added, setAdded] = useState<{ userId: string; name: string } | undefined>(undefined);
  const ids = { org: useId(), query: useId(), queryHint: useId(), person: useId() };
  const memberIds = new Set(workspace.members.map((m) => m.userId));
  const candidates = (found ?? []).filter((u) => !memberIds.has(u.userId));
  const allowed = orgId === '' || mayAddFrom(orgId, workspace);
  const searchable = orgId !== '' && allowed && query.trim().length >= MIN_QUERY_CHARS;

  const runSearch = (): void => {
    if (!searchable) return;
    void search.run(async () => {
      setUserId('');
      setFound(await workspacesApi.orgUsers(orgId, query.trim()));
    });
  };

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
          setFound(undefined);
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
      <label htmlFor={ids.query}>{t('members.searchLabel')}</label>
      <div className="button-row search-row">
        <input
          id={ids.query}
          type="search"
          value={query}
          autoComplete="off"
          aria-describedby={ids.queryHint}
          disabled={orgId === '' || !allowed}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => {
            // Enter searches; it must not submit the add.
            if (event.key === 'Enter') {
              event.preventDefault();
              runSearch();
            }
          }}
        />
        <button type="button" className="button-secondary" disabled={!searchable || search.busy} aria-busy={search.busy} onClick={runSearch}>
          {search.busy ? t('members.searching') : t('members.search')}
        </button>
      </div>
      <p id={ids.queryHint} className="hint">
        {t('members.searchHint', { count: MIN_QUERY_CHARS })}
      </p>
      <ErrorNotice error={search.error} />
      {found === undefined ? null : (
        <p className="hint" role="status">
          {/* What the search found; those already members are then left out of the choice ("nobody else to add"). */}
          {found.length === 0 ? t('members.noneFound') : t('members.found', { count: found.length })}
        </p>
      )}
      <label htmlFor={ids.person}>{t('members.person')}</label>
      <select id={ids.person} value={userId} disabled={candidates.length === 0} onChange={(event) => setUserId(event.target.value)}>
        <option value="">{orgId === '' ? t('members.chooseOrgFirst') : found === undefined ? t('members.searchFirst') : candidates.length === 0 ? t('members.nobodyToAdd') : t('members.choosePerson')}</option>
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
