/**
 * The workspace's case records ("Asiakirjat", docs/design.md §11): information requests,
 * statements, decisions, concern notices, network meetings and transition points, newest
 * first, each with its status; and the form that starts a new one. The list is the agent's
 * replay of the signed `records` stream: it is fetched again whenever the agent says the
 * workspace's records changed.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type * as Y from 'yjs';
import type { CaseRecordView, Member, Workspace } from '@yhteispoyta/local-api';
import { recordsApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useReload } from '../app/use-reload';
import { useMemberName } from '../members/use-member-name';
import { NewRecordForm } from './NewRecordForm';
import { RecordCard } from './RecordCard';
import type { RecordViewer } from './RecordCard';

const NO_MEMBERS: readonly Member[] = [];

/** Newest first: pending ones (not yet sequenced) on top, then by the server's order. */
function newestFirst(records: readonly CaseRecordView[]): CaseRecordView[] {
  return [...records].sort((a, b) => (a.seq === 0 ? Number.MAX_SAFE_INTEGER : a.seq) < (b.seq === 0 ? Number.MAX_SAFE_INTEGER : b.seq) ? 1 : -1);
}

/** The records of one workspace. */
export function RecordsView({ workspace, viewer, planDoc }: { workspace: Workspace; viewer: RecordViewer; planDoc?: Y.Doc | undefined }) {
  const { t } = useTranslation();
  const { onRecords } = useAgent();
  const workspaceId = workspace.workspaceId;
  const [records, setRecords] = useState<readonly CaseRecordView[] | undefined>(undefined);
  const [announcement, setAnnouncement] = useState({ text: '', count: 0 });
  // Each announcement a new node: the same words said again (a second update) are announced again.
  const announceText = useCallback((text: string) => setAnnouncement((previous) => ({ text, count: previous.count + 1 })), []);
  const nameOf = useMemberName(workspace.members ?? NO_MEMBERS);
  // A notice is announced once the load it caused has shown the new records, not when it arrives.
  const announceOnLoad = useRef(false);
  const load = useReload(
    useCallback(async () => {
      const announce = announceOnLoad.current;
      announceOnLoad.current = false;
      let listed: readonly CaseRecordView[];
      try {
        listed = await recordsApi.list(workspaceId);
      } catch (failure) {
        // Not shown yet: the next load that succeeds announces it.
        announceOnLoad.current ||= announce;
        throw failure;
      }
      setRecords(listed);
      if (announce) announceText(t('records.updated'));
    }, [workspaceId, t, announceText]),
  );
  const { reload } = load;
  useEffect(() => {
    setRecords(undefined);
    reload();
  }, [reload]);
  useEffect(
    () =>
      onRecords((from) => {
        if (from !== workspaceId) return;
        announceOnLoad.current = true;
        reload();
      }),
    [onRecords, workspaceId, reload],
  );

  const onSent = useCallback((record: CaseRecordView) => {
    setRecords((previous) => [...(previous ?? []).filter((r) => r.id !== record.id), record]);
    announceText(t('records.sent'));
  }, [t, announceText]);

  const ordered = useMemo(() => newestFirst(records ?? []), [records]);

  return (
    <div className="records-view">
      <h2 id="records-title">{t('records.title')}</h2>
      <p className="lead">{t('records.intro')}</p>
      <div className="visually-hidden" aria-live="polite">
        <span key={announcement.count}>{announcement.text}</span>
      </div>
      <div className="records-columns">
        <div>
          <ErrorNotice error={load.error} />
          {records === undefined ? (
            <p role="status">{t('common.loading')}</p>
          ) : ordered.length === 0 ? (
            <p className="empty">{t('records.none')}</p>
          ) : (
            <ol className="records" aria-labelledby="records-title">
              {ordered.map((record) => (
                <RecordCard
                  key={record.id}
                  record={record}
                  records={ordered}
                  workspace={workspace}
                  viewer={viewer}
                  nameOf={nameOf}
                  onSent={onSent}
                  {...(planDoc === undefined ? {} : { planDoc })}
                />
              ))}
            </ol>
          )}
        </div>
        {/* A client starts no record; he answers a request addressed to him on its card. */}
        {viewer.role === 'client' ? null : <NewRecordForm workspace={workspace} records={ordered} nameOf={nameOf} onSent={onSent} />}
      </div>
    </div>
  );
}
