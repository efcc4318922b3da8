/**
 * Writing a message: text (Enter sends, Shift+Enter starts a new line) and attachments.
 * Files are encrypted and uploaded as soon as they are chosen, with progress shown in the
 * transfer list; the message goes out when every chosen file has arrived. Typing `@` and
 * the start of a name offers the members to mention (arrows choose, Enter or Tab takes
 * one, Escape closes). While the person types, the others see "kirjoittaa…": a `typing`
 * flag in this page's awareness of the workspace room, sealed by the agent as presence,
 * set at the first keystroke and cleared {@link TYPING_IDLE_MS} after the last one.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '@yhteispoyta/local-api';
import { chatApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { formatBytes } from '../lib/format';
import { randomId } from '../lib/ids';
import type { LocalTransfer } from './transfers';
import type { PlanRoom } from '../plan/use-plan-room';
import { completeMention, mentionCandidates, mentionQuery } from '../reach/mentions';

/** How long after the last keystroke "kirjoittaa…" ends. */
const TYPING_IDLE_MS = 3_000;

/** Set this page's `typing` flag in the room's awareness (only when it changes, so one burst of typing is two updates). */
function useTypingFlag(room: PlanRoom | undefined): { typed(): void; stop(): void } {
  const awareness = room?.provider.awareness;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const set = (value: boolean) => {
    if (awareness === undefined) return;
    const current = (awareness.getLocalState() as { typing?: unknown } | null)?.typing === true;
    if (current !== value) awareness.setLocalStateField('typing', value);
  };
  useEffect(
    () => () => {
      clearTimeout(timer.current);
      if (awareness !== undefined && awareness.getLocalState() !== null) awareness.setLocalStateField('typing', false);
    },
    [awareness],
  );
  return {
    typed: () => {
      set(true);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => set(false), TYPING_IDLE_MS);
    },
    stop: () => {
      clearTimeout(timer.current);
      set(false);
    },
  };
}

/** The message composer. */
export function Composer({
  workspaceId,
  onTransfer,
  room,
  memberNames = [],
}: {
  workspaceId: string;
  onTransfer(transfer: LocalTransfer): void;
  room?: PlanRoom | undefined;
  /** the other members' names, offered after `@` */
  memberNames?: readonly string[];
}) {
  const { t, i18n } = useTranslation();
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [choice, setChoice] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | undefined>(undefined);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const typingFlag = useTypingFlag(room);
  const mention = mentionQuery(text, caret);
  const candidates = mention === undefined || mention.start === dismissedAt ? [] : mentionCandidates(memberNames, mention.query);
  const picking = candidates.length > 0;
  const active = Math.min(choice, candidates.length - 1);
  const listId = useId();
  const optionId = (i: number) => `${listId}-option-${i}`;
  const take = (name: string) => {
    if (mention === undefined) return;
    const next = completeMention(text, mention.start, caret, name);
    setText(next.text);
    setCaret(next.caret);
    setChoice(0);
    requestAnimationFrame(() => textarea.current?.setSelectionRange(next.caret, next.caret));
  };
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
    typingFlag.stop();
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
        {t('chat.writeHint')} {t('reach.mentionHint')}
      </p>
      <div className="mention-anchor">
        <textarea
          ref={textarea}
          id={ids.text}
          aria-describedby={ids.hint}
          rows={3}
          value={text}
          aria-autocomplete="list"
          aria-controls={listId}
          aria-activedescendant={picking ? optionId(active) : undefined}
          onChange={(event) => {
            setText(event.target.value);
            setCaret(event.target.selectionStart);
            setChoice(0);
            if (event.target.value !== '') typingFlag.typed();
            else typingFlag.stop();
          }}
          onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
          onKeyDown={(event) => {
            if (picking) {
              if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
                event.preventDefault();
                const step = event.key === 'ArrowDown' ? 1 : -1;
                setChoice((active + step + candidates.length) % candidates.length);
                return;
              }
              if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
                event.preventDefault();
                take(candidates[active] ?? '');
                return;
              }
              if (event.key === 'Escape') {
                event.preventDefault();
                setDismissedAt(mention?.start);
                return;
              }
            }
            if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              submit();
            }
          }}
        />
        <ul id={listId} role="listbox" className="mention-list" aria-label={t('reach.mentionList')} hidden={!picking}>
          {candidates.map((name, i) => (
            <li
              key={name}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'mention-option mention-option-active' : 'mention-option'}
              onMouseDown={(event) => {
                // Keep the focus in the text while choosing with the mouse.
                event.preventDefault();
                take(name);
              }}
            >
              @{name}
            </li>
          ))}
        </ul>
      </div>
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
