/**
 * A text field of a shared structure: while the user types, it shows the draft; the
 * value is written when the field is left or Enter is pressed (Escape restores it).
 * While the field is not being edited it shows what others wrote, live. So a remote
 * change never moves the cursor out from under someone typing.
 */
import { useState } from 'react';
import type { InputHTMLAttributes } from 'react';

/** Props of {@link CommitInput}. */
export interface CommitInputProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'defaultValue'> {
  readonly value: string;
  onCommit(value: string): void;
}

/** A text input that commits on blur and Enter. */
export function CommitInput({ value, onCommit, onBlur, onKeyDown, ...rest }: CommitInputProps) {
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const commit = () => {
    if (draft !== undefined && draft !== value) onCommit(draft);
    setDraft(undefined);
  };
  return (
    <input
      {...rest}
      value={draft ?? value}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={(event) => {
        commit();
        onBlur?.(event);
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          commit();
        } else if (event.key === 'Escape') {
          setDraft(undefined);
        }
        onKeyDown?.(event);
      }}
    />
  );
}
