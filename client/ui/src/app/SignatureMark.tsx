/**
 * "Allekirjoitus tarkistettu" as a small mark (issue 13: plain language for the client): a
 * check that explains itself on hover and on keyboard focus, and whose name screen readers
 * read, instead of a technical phrase after every message.
 */
import { useId } from 'react';
import { useTranslation } from 'react-i18next';

/** The mark of a signature the agent checked. */
export function SignatureMark() {
  const { t } = useTranslation();
  const tipId = useId();
  return (
    <span className="signature-mark">
      <button type="button" className="signature-mark-button" aria-describedby={tipId}>
        <span aria-hidden="true">✓</span>
        <span className="visually-hidden">{t('chat.verified')}</span>
      </button>
      <span role="tooltip" id={tipId} className="signature-mark-tip">
        {t('consentCheck.signatureCheckedExplain')}
      </span>
    </span>
  );
}
