/**
 * A one-time code shown once: a read-only field that shows the whole code, wrapped (it
 * is long, and may have to be typed on another device), selected on focus so it can be
 * copied by hand, and a copy button that says when it has copied.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The code with its label. */
export function CopyableCode({ label, code, testId }: { label: string; code: string; testId?: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <div className="code-row">
        <textarea id={id} className="code" readOnly rows={3} value={code} onFocus={(e) => e.target.select()} data-testid={testId} spellCheck={false} />
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard.writeText(code).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? t('common.copied') : t('common.copy')}
        </button>
      </div>
    </>
  );
}
