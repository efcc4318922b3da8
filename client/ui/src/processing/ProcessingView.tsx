/**
 * "Tietojeni käsittely" (issue 13; client-data act 703/2023): for the client — and every
 * member of his case — the consent history with dates, each member's basis of access, and
 * who processed what and when, from the server's audit log whose hashes the agent checked
 * first (a failed check is shown as a problem, never hidden). Downloadable as JSON, and as a PDF
 * the agent makes (export to the case record).
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProcessingView as View, Workspace } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { ExportButtons } from '../export/ExportButtons';
import { usePeople } from '../app/people-context';
import { useReload } from '../app/use-reload';
import { formatDate, formatDateTime } from '../lib/format';
import { useMemberName } from '../members/use-member-name';
import { BasisControls } from './BasisControls';
import { kindOf, MEMBERSHIP_SUBJECTS, subjectOf } from './processing-labels';

/** Texts worded for the reader: the client about himself, a professional about the client. */
const VIEWER_WORDED = new Set(['lead', 'consentTitle', 'basesTitle', 'logTitle', 'logBroken', 'basis.self', 'basis.consentSince', 'basis.consent', 'basis.awaiting_answer']);

/** Most log rows shown at once (the download has them all). */
const SHOWN_ROWS = 200;

/** The processing view of a workspace; `selfUserId`: this user (an owner records bases for his own organisation's staff). */
export function ProcessingView({ workspace, selfUserId }: { workspace: Workspace; selfUserId: string }) {
  const { t, i18n } = useTranslation();
  const { onMembership } = useAgent();
  const { orgName } = usePeople();
  const nameOf = useMemberName(workspace.members);
  const [view, setView] = useState<View | undefined>(undefined);
  const workspaceId = workspace.workspaceId;
  const load = useReload(useCallback(async () => setView(await workspacesApi.processing(workspaceId)), [workspaceId]));
  const { reload } = load;
  useEffect(reload, [reload]);
  useEffect(() => onMembership((id) => id === workspaceId && reload()), [onMembership, workspaceId, reload]);

  const orgs = (ids: readonly string[]) => (ids.length === 0 ? t('processing.noOrgs') : ids.map((id) => orgName(id) ?? id).join(', '));
  const me = workspace.members.find((m) => m.userId === selfUserId);
  // The client reads about himself ("sinä itse", "suostumuksesi perusteella"); a professional of
  // his case reads the same page about the client (processing.staff.*).
  const say = (key: string, options?: Record<string, unknown>): string =>
    t(me?.role !== 'client' && VIEWER_WORDED.has(key) ? `processing.staff.${key}` : `processing.${key}`, options);
  // Only in a case, only an owner, only for his own organisation's professionals (the chain rules say the same).
  const canRecord = (b: { role: string; orgId: string }) => workspace.kind === 'case' && !workspace.closed && me?.owner === true && b.role !== 'client' && b.orgId === me.orgId;
  const rows = (view?.log ?? []).filter((e) => kindOf(e) !== undefined && kindOf(e) !== 'read_log').reverse();

  return (
    <div className="processing-view" data-testid="processing-view">
      <h2>{t('processing.title')}</h2>
      <p className="lead">{say('lead')}</p>
      <ErrorNotice error={load.error} />
      {view === undefined ? (
        <p role="status">{t('common.loading')}</p>
      ) : (
        <>
          <section className="card" aria-labelledby="processing-consent">
            <h3 id="processing-consent">{say('consentTitle')}</h3>
            {view.consentHistory.length === 0 ? (
              <p>{t('processing.noConsent')}</p>
            ) : (
              <ol className="processing-steps">
                {view.consentHistory.map((step) => (
                  <li key={`${step.at}-${step.kind}`}>
                    <strong>{t(`processing.steps.${step.kind}`)}</strong> <time dateTime={new Date(step.at).toISOString()}>{formatDate(step.at, i18n.language)}</time>
                    <br />
                    {step.kind === 'revoked' || step.kind === 'expired'
                      ? t('processing.stepRevoked', { orgs: orgs(step.revokedOrgIds) })
                      : t('processing.stepOrgs', { orgs: orgs(step.orgIds) })}
                    {step.purpose === undefined ? null : <> · {t('processing.stepPurpose', { purpose: step.purpose })}</>}
                    {step.expiresAt === undefined ? null : <> · {t('processing.stepUntil', { date: formatDate(step.expiresAt, i18n.language) })}</>}
                    {step.removed.length === 0 ? null : (
                      <>
                        <br />
                        {t('processing.stepRemoved', { names: step.removed.map((r) => r.displayName ?? nameOf(r.userId)).join(', ') })}
                      </>
                    )}
                    {step.handOverTo === undefined ? null : (
                      <>
                        <br />
                        {t('processing.stepHandOver', { name: nameOf(step.handOverTo) })}
                      </>
                    )}
                    {step.closed === true ? (
                      <>
                        <br />
                        {t('processing.stepClosed')}
                      </>
                    ) : null}
                  </li>
                ))}
              </ol>
            )}
          </section>

          <section className="card" aria-labelledby="processing-bases">
            <h3 id="processing-bases">{say('basesTitle')}</h3>
            <ul className="processing-bases">
              {view.bases.map((b) => (
                <li key={b.userId}>
                  <strong>{b.displayName ?? nameOf(b.userId)}</strong>
                  {b.role === 'client' ? null : <>, {b.orgName ?? orgName(b.orgId) ?? b.orgId}</>}
                  {' – '}
                  {b.statute !== undefined ? (
                    <span data-testid="statute">
                      {b.statute.text === undefined
                        ? t('processing.basis.statuteNoText')
                        : t('processing.basis.statuteText', { text: b.statute.text })}{' '}
                      {t('processing.basis.recordedBy', {
                        name: b.statute.recordedByName ?? nameOf(b.statute.recordedBy),
                        date: formatDate(b.statute.at, i18n.language),
                      })}
                    </span>
                  ) : b.basis === 'consent' && b.since !== undefined ? (
                    say('basis.consentSince', { date: formatDate(b.since, i18n.language) })
                  ) : (
                    say(`basis.${b.basis}`)
                  )}
                  {canRecord(b) ? (
                    <BasisControls workspace={workspace} userId={b.userId} name={b.displayName ?? nameOf(b.userId)} recorded={b.statute !== undefined} onChanged={reload} />
                  ) : null}
                </li>
              ))}
            </ul>
          </section>

          <section className="card" aria-labelledby="processing-log">
            <h3 id="processing-log">{say('logTitle')}</h3>
            <p className="hint">{t('processing.logExplain')}</p>
            {view.integrity === undefined ? (
              <p className="notice notice-warning">{t('processing.logOffline')}</p>
            ) : view.integrity.ok ? (
              <p className="notice notice-success" data-testid="processing-integrity">
                {t('processing.logChecked', { count: view.integrity.entries })}
              </p>
            ) : (
              <div className="notice notice-danger" role="alert" data-testid="processing-integrity">
                <p>
                  <strong>{say('logBroken', { seq: view.integrity.seq })}</strong>
                </p>
              </div>
            )}
            {rows.length === 0 ? (
              <p>{t('processing.logEmpty')}</p>
            ) : (
              <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="processing-log">
                <table className="processing-log">
                  <caption className="visually-hidden">{say('logTitle')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('processing.columns.when')}</th>
                      <th scope="col">{t('processing.columns.who')}</th>
                      <th scope="col">{t('processing.columns.what')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.slice(0, SHOWN_ROWS).map((e) => {
                      const raw = subjectOf(e);
                      const event = MEMBERSHIP_SUBJECTS.find((type) => raw === `membership:${type}`);
                      const subject = event === undefined ? raw : undefined;
                      return (
                        <tr key={e.seq} data-action={e.action}>
                          <td>
                            <time dateTime={new Date(e.at).toISOString()}>{formatDateTime(e.at, i18n.language)}</time>
                          </td>
                          <td>
                            {e.actor === null ? t('processing.server') : (e.actorName ?? nameOf(e.actor.userId))}
                            {e.actorOrg === undefined ? null : <span className="muted">, {e.actorOrg}</span>}
                          </td>
                          <td>
                            {event === undefined ? t(`processing.kinds.${kindOf(e) ?? 'fetched'}`) : t(`processing.events.${event}`)}
                            {subject === undefined || subject === '' ? null : <span className="muted"> ({subject})</span>}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
            {rows.length > SHOWN_ROWS ? <p className="hint">{t('processing.moreInDownload', { count: rows.length - SHOWN_ROWS })}</p> : null}
          </section>
          <p className="button-row">
            <button type="button" className="button-secondary" onClick={() => downloadJson(view, workspace.label)}>
              {t('processing.downloadJson')}
            </button>
          </p>
          {/* The same view as a PDF for the client's own papers, made and recorded by the agent. */}
          <ExportButtons workspaceId={workspace.workspaceId} what="processing" label={t('processing.title')} formats={['pdf']} />
          <p className="hint">{t('processing.knows')}</p>
        </>
      )}
    </div>
  );
}

/** Save the whole view as a JSON file (the browser's own download, nothing leaves the computer). */
function downloadJson(view: View, label: string): void {
  const blob = new Blob([JSON.stringify({ exportedAt: new Date().toISOString(), workspace: label, ...view }, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `tietojeni-kasittely-${view.workspaceId}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  void workspacesApi.recordAccess(view.workspaceId, { action: 'exported', what: 'processing', format: 'json' }).catch(() => undefined);
}
