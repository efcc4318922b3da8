/**
 * A step that asks before it acts, in the page itself (never the browser's own dialog):
 * the first button opens a plain-language question with "yes" and "cancel" next to it.
 * Focus moves to the question when it opens and back to the first button when cancelled,
 * so keyboard and screen-reader users follow it.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { ReactNode } from 'react';

/** Props of {@link InlineConfirm}. */
export interface InlineConfirmProps {
  /** the first button's text */
  readonly label: string;
  /** the first button's accessible name when the text alone is ambiguous */
  readonly ariaLabel?: string;
  /** what the user is asked, in full */
  readonly question: ReactNode;
  readonly confirmLabel: string;
  readonly cancelLabel: string;
  readonly busy: boolean;
  /** the question still needs an answer (e.g. a choice inside it) before "yes" can be pressed */
  readonly confirmDisabled?: boolean;
  onConfirm(): void;
}

/** The two-step button. */
export function InlineConfirm({ label, ariaLabel, question, confirmLabel, cancelLabel, busy, confirmDisabled = false, onConfirm }: InlineConfirmProps) {
  const [open, setOpen] = useState(false);
  const questionRef = useRef<HTMLDivElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const questionId = useId();
  useEffect(() => {
    if (open) questionRef.current?.focus();
    else if (returnFocus.current) {
      returnFocus.current = false;
      triggerRef.current?.focus();
    }
  }, [open]);
  if (!open) {
    return (
      <button type="button" ref={triggerRef} className="button-danger" aria-label={ariaLabel} disabled={busy} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  }
  return (
    <div className="inline-confirm" role="group" aria-labelledby={questionId}>
      <div id={questionId} ref={questionRef} tabIndex={-1} className="inline-confirm-question">
        {question}
      </div>
      <div className="button-row">
        <button type="button" className="button-danger-solid" disabled={busy || confirmDisabled} aria-busy={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button
          type="button"
          className="button-secondary"
          disabled={busy}
          onClick={() => {
            returnFocus.current = true;
            setOpen(false);
          }}
        >
          {cancelLabel}
        </button>
      </div>
    </div>
  );
}
