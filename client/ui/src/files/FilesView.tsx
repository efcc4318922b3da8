/**
 * The workspace's files ("Liitteet", docs/design.md §11.4): every file shared in the chat
 * or attached to a request or statement, once, with who shared it (name and organisation
 * from certificates), when, and everywhere it is used — so a file delivered once is found
 * and downloaded here, or pointed at from a statement, instead of asked for again. The
 * agent builds the list from what it verified; it is fetched again when the chat or the
 * records change.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { FileUse, VerifiedPerson, Workspace, WorkspaceFile } from '@yhteispoyta/local-api';
import { caseFilesApi, chatApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { routeHash } from '../app/route';
import { useAction } from '../app/use-action';
import { useReload } from '../app/use-reload';
import { formatBytes, formatDateTime } from '../lib/format';
import { randomId } from '../lib/ids';
import { saveBlob } from '../lib/save-blob';

/** A person as "name (organisation)"; a client has no organisation. */
export function usePersonLine(): (p: VerifiedPerson) => string {
  const { t } = useTranslation();
  return (p) => {
    const name = p.displayName ?? t('attachments.unknownPerson');
    const org = p.orgId === null ? t('roles.client') : (p.orgName ?? p.orgId);
    return `${name} (${org})`;
  };
}

/** The files of a workspace, kept fresh. */
export function useWorkspaceFiles(workspaceId: string): { files: WorkspaceFile[] | undefined; error: unknown } {
  const { onChat, onRecords } = useAgent();
  const [files, setFiles] = useState<WorkspaceFile[] | undefined>(undefined);
  const load = useReload(useCallback(async () => setFiles(await caseFilesApi.list(workspaceId)), [workspaceId]));
  const refresh = load.reload;
  useEffect(() => {
    setFiles(undefined);
    refresh();
  }, [refresh]);
  useEffect(() => {
    const offChat = onChat((from) => {
      if (from === workspaceId) refresh();
    });
    const offRecords = onRecords((from) => {
      if (from === workspaceId) refresh();
    });
    return () => {
      offChat();
      offRecords();
    };
  }, [onChat, onRecords, workspaceId, refresh]);
  return { files, error: load.error };
}

function UseItem({ use, workspaceId }: { use: FileUse; workspaceId: string }) {
  const { t, i18n } = useTranslation();
  const personLine = usePersonLine();
  const place = use.where === 'chat' ? t('attachments.usedInChat') : use.where === 'request' ? t('attachments.usedInRequest', { subject: use.subject ?? '' }) : t('attachments.usedInStatement');
  const tab = use.where === 'chat' ? 'chat' : 'records';
  return (
    <li>
      <a href={routeHash({ name: 'workspace', workspaceId, tab })}>{place}</a> — {personLine(use.by)}, <time dateTime={new Date(use.at).toISOString()}>{formatDateTime(use.at, i18n.language)}</time>
      {use.pending ? ` (${t('records.pending')})` : ''}
    </li>
  );
}

function FileCard({ file, workspaceId }: { file: WorkspaceFile; workspaceId: string }) {
  const { t, i18n } = useTranslation();
  const personLine = usePersonLine();
  const download = useAction();
  const titleId = `file-${file.blobId}-${file.sha256.slice(0, 8)}`;
  return (
    <li className="file-card" aria-labelledby={titleId} data-testid="workspace-file">
      <h3 id={titleId} className="attachment-name">
        {file.name}
      </h3>
      <p className="record-meta">
        {formatBytes(file.size, i18n.language)} · {t('attachments.sharedBy', { who: personLine(file.sharedBy) })} · <time dateTime={new Date(file.sharedAt).toISOString()}>{formatDateTime(file.sharedAt, i18n.language)}</time>
      </p>
      <p className="file-uses-title">{t('attachments.usedIn', { count: file.uses.length })}</p>
      <ul className="file-uses">
        {file.uses.map((use) => (
          <UseItem key={`${use.where}-${use.id}`} use={use} workspaceId={workspaceId} />
        ))}
      </ul>
      <button
        type="button"
        className="button-secondary"
        disabled={download.busy}
        onClick={() => void download.run(async () => saveBlob(await chatApi.download(workspaceId, file.blobId, randomId()), file.name))}
      >
        {t('records.download', { name: file.name })}
      </button>
      <ErrorNotice error={download.error} />
    </li>
  );
}

/** The "Liitteet" tab. */
export function FilesView({ workspace }: { workspace: Workspace }) {
  const { t } = useTranslation();
  const { files, error } = useWorkspaceFiles(workspace.workspaceId);
  return (
    <div className="files-view">
      <h2 id="files-title">{t('attachments.title')}</h2>
      <p className="lead">{t('attachments.intro')}</p>
      <ErrorNotice error={error} />
      {files === undefined ? (
        <p role="status">{t('common.loading')}</p>
      ) : files.length === 0 ? (
        <p className="empty">{t('attachments.none')}</p>
      ) : (
        <ul className="files" aria-labelledby="files-title">
          {files.map((file) => (
            <FileCard key={`${file.blobId}-${file.sha256}`} file={file} workspaceId={workspace.workspaceId} />
          ))}
        </ul>
      )}
    </div>
  );
}
