/**
 * The agent's own words about a failure or a problem: English and technical, so folded
 * away behind "Näytä tekniset tiedot" — there for support, never in the way.
 */
import { useTranslation } from 'react-i18next';

/** A folded technical detail. */
export function TechnicalDetails({ text }: { text: string }) {
  const { t } = useTranslation();
  return (
    <details className="technical-details">
      <summary>{t('errorReasons.showDetails')}</summary>
      <p lang="en">{text}</p>
    </details>
  );
}
