/**
 * The case timeline (aikajana, issue 12): the records' events, the membership and consent
 * events of the verified chain, meetings, decisions and attachments in one list, oldest
 * first, each with its date, who did it and his organisation — names and organisations as
 * the agent verified them from the chain and certificates — and how long the case had been
 * open then ("Kulunut aika 6 kk"); where a new phase starts (a meeting held, a decision, a
 * transition point), how long the previous phase lasted. Filtered by kind and organisation.
 */
import { useCallback, useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TIMELINE_GROUPS } from '@yhteispoyta/local-api';
import type { Timeline, TimelineGroup, TimelinePerson, Workspace } from '@yhteispoyta/local-api';
import { tasksApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useReload } from '../app/use-reload';
import { formatDate, formatDateTime } from '../lib/format';
import { formatElapsed } from './elapsed';

/** The timeline of one workspace. */
export function TimelineView({ workspace }: { workspace: Workspace }) {
  const { t, i18n } = useTranslation();
  const { onRecords } = useAgent();
  const workspaceId = workspace.workspaceId;
  const [group, setGroup] = useState<TimelineGroup | ''>('');
  const [org, setOrg] = useState('');
  const [timeline, setTimeline] = useState<Timeline | undefined>(undefined);
  const ids = { group: useId(), org: useId() };

  // A filter chosen while a load runs loads once more after it (useReload), never dropped.
  const load = useReload(
    useCallback(
      async () => setTimeline(await tasksApi.timeline(workspaceId, { ...(group === '' ? {} : { group }), ...(org === '' ? {} : { org }) })),
      [workspaceId, group, org],
    ),
  );
  const { reload } = load;
  // Again whenever the members or consent change (the workspace object is new then) or a record arrives.
  useEffect(() => reload(), [reload, workspace]);
  useEffect(() => onRecords((from) => (from === workspaceId ? reload() : undefined)), [onRecords, workspaceId, reload]);

  const person = (p: TimelinePerson) => p.displayName ?? (p.orgId === null ? t('roles.client') : p.userId);
  const organisation = (p: TimelinePerson) => (p.orgId === null ? t('roles.client') : (p.orgName ?? p.orgId));

  return (
    <div className="timeline-view">
      <h2 id="timeline-title">{t('timeline.title')}</h2>
      <p className="lead">{t('timeline.intro')}</p>
      {timeline === undefined ? null : (
        <p className="timeline-elapsed" data-testid="elapsed-total">
          <strong>{t('timeline.elapsed', { elapsed: formatElapsed(timeline.elapsed, t) })}</strong>{' '}
          {t('timeline.openedOn', { date: formatDate(timeline.openedAt, i18n.language) })}
        </p>
      )}
      <div className="timeline-filters">
        <div className="field">
          <label htmlFor={ids.group}>{t('timeline.filterKind')}</label>
          <select id={ids.group} value={group} onChange={(e) => setGroup(TIMELINE_GROUPS.find((g) => g === e.target.value) ?? '')}>
            <option value="">{t('timeline.allKinds')}</option>
            {TIMELINE_GROUPS.map((g) => (
              <option key={g} value={g}>
                {t(`timeline.groups.${g}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.org}>{t('timeline.filterOrg')}</label>
          <select id={ids.org} value={org} onChange={(e) => setOrg(e.target.value)}>
            <option value="">{t('timeline.allOrgs')}</option>
            {(timeline?.orgs ?? []).map((o) => (
              <option key={o.orgId} value={o.orgId}>
                {o.orgId === 'clients' ? t('roles.client') : (o.name ?? o.orgId)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice error={load.error} />
      {timeline === undefined ? (
        <p role="status">{t('common.loading')}</p>
      ) : timeline.entries.length === 0 ? (
        <p className="empty">{t('timeline.none')}</p>
      ) : (
        <ol className="timeline" aria-labelledby="timeline-title">
          {timeline.entries.map((entry) => (
            <li key={entry.id} className={`timeline-entry timeline-${entry.group}${entry.phase === undefined ? '' : ' timeline-phase'}`} data-testid="timeline-entry" data-kind={entry.kind}>
              {entry.phase === undefined || entry.kind === 'case_opened' ? null : (
                <p className="phase-mark">{t('timeline.phaseAfter', { elapsed: formatElapsed(entry.phase.sincePrevious, t) })}</p>
              )}
              <p className="timeline-head">
                <time dateTime={new Date(entry.at).toISOString()}>{formatDateTime(entry.at, i18n.language)}</time>{' '}
                <span className="badge badge-kind">{t(`timeline.kinds.${entry.kind}`)}</span>
                {entry.pending ? <span className="pending-mark">{t('records.pending')}</span> : null}
              </p>
              {entry.title === '' ? null : <p className="timeline-title">{entry.title}</p>}
              {entry.orgIds === undefined ? null : (
                <p className="timeline-orgs">{t('timeline.orgs', { orgs: entry.orgIds.map((id) => timeline.orgs.find((o) => o.orgId === id)?.name ?? workspace.members.find((m) => m.orgId === id)?.orgName ?? id).join(', ') })}</p>
              )}
              <p className="timeline-meta">
                {t('timeline.by', { name: person(entry.by), org: organisation(entry.by) })} · {t('timeline.elapsed', { elapsed: formatElapsed(entry.sinceOpened, t) })}
              </p>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
