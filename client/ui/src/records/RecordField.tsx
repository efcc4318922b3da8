/**
 * A labelled form field of the records forms, with its error announced and tied to the
 * input (aria-invalid, aria-describedby), so a refused field is found by everyone.
 */
import { cloneElement, useId } from 'react';
import type { ReactElement } from 'react';

/** A label, an input (the child) and its error. */
export function RecordField({ label, error, hint, children }: { label: string; error?: string | undefined; hint?: string; children: ReactElement<Record<string, unknown>> }) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [hint === undefined ? undefined : hintId, error === undefined ? undefined : errorId].filter(Boolean).join(' ');
  return (
    <div className="record-field">
      <label htmlFor={id}>{label}</label>
      {hint === undefined ? null : (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {cloneElement(children, { id, 'aria-invalid': error === undefined ? undefined : true, 'aria-describedby': describedBy === '' ? undefined : describedBy })}
      {error === undefined ? null : (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
