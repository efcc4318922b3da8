/**
 * Writing a message: text (Enter sends, Shift+Enter starts a new line) and attachments.
 * Files are encrypted and uploaded as soon as they are chosen, with progress shown in the
 * transfer list; the message goes out when every chosen file has arrived.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '@yhteispoyta/local-api';
import { chatApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { formatBytes } from '../lib/format';
import { randomId } from '../lib/ids';
import type { LocalTransfer } from './transfers';

/** The message composer. */
export function Composer({ workspaceId, onTransfer }: { workspaceId: string; onTransfer(transfer: LocalTransfer): void }) {
  const { t, i18n } = useTranslation();
  const [text, setText] = useState('');
  const [ready, setReady] = useState<Attachment[]>([]);
  const [uploading, setUploading] = useState(0);
  const [uploadError, setUploadError] = useState<unknown>(undefined);
  const send = useAction();
  const ids = { text: useId(), hint: useId(), files: useId() };

  const upload = async (file: File) => {
    const transferId = randomId();
    const started: LocalTransfer = { transferId, direction: 'upload', name: file.name, size: file.size, outcome: 'running', startedAt: Date.now() };
    onTransfer(started);
    setUploading((n) => n + 1);
    try {
      const attachment = await chatApi.upload(workspaceId, file, transferId);
      setReady((list) => [...list, attachment]);
      onTransfer({ ...started, outcome: 'done' });
    } catch (error) {
      onTransfer({ ...started, outcome: 'failed' });
      setUploadError(error);
    } finally {
      setUploading((n) => n - 1);
    }
  };

  const canSend = uploading === 0 && (text.trim() !== '' || ready.length > 0);
  const submit = () => {
    if (!canSend) return;
    void send.run(async () => {
      await chatApi.send(workspaceId, text, ready);
      setText('');
      setReady([]);
    });
  };

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <label htmlFor={ids.text}>
        {t('chat.write')}
      </label>
      <p id={ids.hint} className="hint">
        {t('chat.writeHint')}
      </p>
      <textarea
        id={ids.text}
        aria-describedby={ids.hint}
        rows={3}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            submit();
          }
        }}
      />
      {ready.length === 0 ? null : (
        <ul className="ready-attachments" aria-label={t('chat.readyAttachments')}>
          {ready.map((a) => (
            <li key={a.blobId}>
              {a.name} <span className="muted">({formatBytes(a.size, i18n.language)})</span>{' '}
              <button
                type="button"
                className="button-link"
                aria-label={`${t('chat.removeAttachment')}: ${a.name}`}
                onClick={() => setReady((list) => list.filter((x) => x.blobId !== a.blobId))}
              >
                {t('chat.removeAttachment')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorNotice error={uploadError} />
      <ErrorNotice error={send.error} />
      <div className="button-row">
        <label htmlFor={ids.files} className="file-button">
          {t('chat.attach')}
        </label>
        <input
          id={ids.files}
          className="file-input"
          type="file"
          multiple
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            event.target.value = '';
            setUploadError(undefined);
            for (const file of files) void upload(file);
          }}
        />
        <button type="submit" disabled={!canSend || send.busy} aria-busy={send.busy}>
          {uploading > 0 ? t('chat.waitUploads') : t('chat.send')}
        </button>
      </div>
    </form>
  );
}
