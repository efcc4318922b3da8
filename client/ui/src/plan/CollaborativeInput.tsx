/**
 * A one-line text field bound to a Y.Text: every keystroke is written at once as the
 * smallest change (plan-doc.ts applyTextChange), so two people typing into the same cell
 * both keep their text; what others type appears live, and the caret of the person typing
 * here moves with the text around it instead of jumping to the end.
 */
import { useEffect, useRef, useState } from 'react';
import type { ChangeEvent, InputHTMLAttributes, KeyboardEvent, RefObject, TextareaHTMLAttributes } from 'react';
import type * as Y from 'yjs';
import { shiftThroughDelta } from './plan-doc';

/** Props of {@link CollaborativeInput}. */
export interface CollaborativeInputProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'defaultValue'> {
  readonly text: Y.Text;
  /** write the field's new content (the caller applies it to the Y.Text) */
  onEdit(next: string): void;
  /**
   * Wrap long text onto more lines (a textarea that grows with its content) instead of
   * cutting it at the field's edge; still one line of text: Enter is not a line break.
   */
  readonly wrap?: boolean;
}

/** A text input that edits a Y.Text keystroke by keystroke. */
export function CollaborativeInput({ text, onEdit, wrap = false, ...rest }: CollaborativeInputProps) {
  const ref = useRef<HTMLInputElement | HTMLTextAreaElement>(null);
  const [value, setValue] = useState(() => text.toString());
  useEffect(() => {
    setValue(text.toString());
    const observer = (event: Y.YTextEvent, transaction: Y.Transaction): void => {
      const next = text.toString();
      const input = ref.current;
      // Someone else's change while this field has the caret: keep the caret where the user left it, in the text's terms.
      if (!transaction.local && input !== null && input.ownerDocument.activeElement === input) {
        const start = shiftThroughDelta(input.selectionStart ?? 0, event.delta);
        const end = shiftThroughDelta(input.selectionEnd ?? 0, event.delta);
        input.value = next;
        input.setSelectionRange(start, end);
      }
      setValue(next);
    };
    text.observe(observer);
    return () => text.unobserve(observer);
  }, [text]);
  const change = (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    // A pasted line break becomes a space: the field holds one line of text.
    const next = wrap ? event.target.value.replace(/\r?\n/g, ' ') : event.target.value;
    setValue(next);
    onEdit(next);
  };
  if (wrap) {
    const { type: _type, ...textareaProps } = rest;
    return (
      <textarea
        {...(textareaProps as TextareaHTMLAttributes<HTMLTextAreaElement>)}
        ref={ref as RefObject<HTMLTextAreaElement>}
        rows={1}
        className="wrap-text"
        value={value}
        onChange={change}
        onKeyDown={(event: KeyboardEvent<HTMLTextAreaElement>) => oneLineKeys(event)}
      />
    );
  }
  return <input {...rest} ref={ref as RefObject<HTMLInputElement>} value={value} onChange={change} />;
}

/**
 * Keys of a one-line field that wraps: Enter is no line break, and Home and End go to the
 * start and end of the whole text (as in an input), not of the visual line it wrapped to.
 */
function oneLineKeys(event: KeyboardEvent<HTMLTextAreaElement>): void {
  if (event.key === 'Enter') {
    event.preventDefault();
    return;
  }
  if ((event.key !== 'Home' && event.key !== 'End') || event.ctrlKey || event.metaKey || event.altKey) return;
  event.preventDefault();
  const field = event.currentTarget;
  const end = field.value.length;
  if (!event.shiftKey) field.setSelectionRange(event.key === 'Home' ? 0 : end, event.key === 'Home' ? 0 : end);
  else if (event.key === 'Home') field.setSelectionRange(0, field.selectionEnd, 'backward');
  else field.setSelectionRange(field.selectionStart, end, 'forward');
}
