/**
 * Attachments of a request or a statement: each chosen file is encrypted and uploaded by
 * the agent at once (as in the chat), and the record names it by reference.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '@yhteispoyta/local-api';
import { chatApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { formatBytes } from '../lib/format';
import { randomId } from '../lib/ids';

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
