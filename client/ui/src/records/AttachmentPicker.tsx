/**
 * Attachments of a request or a statement: each chosen file is encrypted and uploaded by
 * the agent at once (as in the chat), and the record names it by reference — or a file
 * already in the workspace (the "Liitteet" list) is pointed at again, delivered once.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '@yhteispoyta/local-api';
import { chatApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { formatBytes } from '../lib/format';
import { randomId } from '../lib/ids';
import { usePersonLine, useWorkspaceFiles } from '../files/FilesView';

/** Chosen, uploaded attachments, and the count still uploading. */
export function AttachmentPicker({
  workspaceId,
  value,
  onChange,
  onUploading,
}: {
  workspaceId: string;
  value: readonly Attachment[];
  onChange(next: Attachment[]): void;
  onUploading(count: number): void;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [error, setError] = useState<unknown>(undefined);
  const [uploading, setUploading] = useState(0);
  const bump = (delta: number) =>
    setUploading((n) => {
      onUploading(n + delta);
      return n + delta;
    });

  const upload = async (file: File, current: Attachment[]) => {
    bump(1);
    try {
      const attachment = await chatApi.upload(workspaceId, file, randomId());
      current.push(attachment);
      onChange([...current]);
    } catch (failure) {
      setError(failure);
    } finally {
      bump(-1);
    }
  };

  return (
    <div className="record-field">
      <div className="button-row">
        <label htmlFor={id} className="file-button button-secondary">
          {t('records.fields.attach')}
        </label>
        <input
          id={id}
          className="file-input"
          type="file"
          multiple
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            event.target.value = '';
            setError(undefined);
            const current = [...value];
            for (const file of files) void upload(file, current);
          }}
        />
      </div>
      <ExistingAttachment workspaceId={workspaceId} chosen={value} onChoose={(file) => onChange([...value, file])} />
      {uploading > 0 ? <p role="status">{t('records.uploading')}</p> : null}
      <ErrorNotice error={error} />
      {value.length === 0 ? null : (
        <ul className="ready-attachments" aria-label={t('records.fields.attachments')}>
          {value.map((a) => (
            <li key={a.blobId}>
              {a.name} ({formatBytes(a.size, i18n.language)}){' '}
              <button type="button" className="button-link" onClick={() => onChange(value.filter((x) => x.blobId !== a.blobId))}>
                {t('records.removeAttachment', { name: a.name })}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** "Choose an existing attachment": a file of the workspace, pointed at instead of uploaded again. */
function ExistingAttachment({ workspaceId, chosen, onChoose }: { workspaceId: string; chosen: readonly Attachment[]; onChoose(file: Attachment): void }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const personLine = usePersonLine();
  const { files } = useWorkspaceFiles(workspaceId);
  const [selected, setSelected] = useState('');
  const offered = (files ?? []).filter((f) => !chosen.some((c) => c.blobId === f.blobId));
  if (offered.length === 0) return null;
  const key = (f: { blobId: string; sha256: string }) => `${f.blobId}:${f.sha256}`;
  return (
    <div className="existing-attachment">
      <label htmlFor={id}>{t('attachments.chooseExisting')}</label>
      <div className="button-row">
        <select id={id} value={selected} onChange={(event) => setSelected(event.target.value)} data-testid="existing-attachment">
          <option value="">{t('attachments.chooseOne')}</option>
          {offered.map((f) => (
            <option key={key(f)} value={key(f)}>
              {f.name} ({formatBytes(f.size, i18n.language)}, {personLine(f.sharedBy)})
            </option>
          ))}
        </select>
        <button
          type="button"
          className="button-secondary"
          disabled={selected === ''}
          onClick={() => {
            const file = offered.find((f) => key(f) === selected);
            if (file === undefined) return;
            onChoose({ blobId: file.blobId, name: file.name, type: file.type, size: file.size, sha256: file.sha256 });
            setSelected('');
          }}
        >
          {t('attachments.attachExisting')}
        </button>
      </div>
    </div>
  );
}
