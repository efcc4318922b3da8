/**
 * A failure shown where it happened, announced at once (role="alert"), in the user's
 * language; the agent's own (English, technical) words only behind "Näytä tekniset tiedot".
 */
import { useTranslation } from 'react-i18next';
import { describeFailure } from './errors';
import { TechnicalDetails } from './TechnicalDetails';

/** Shows `error` if there is one. */
export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error === undefined || error === null) return null;
  const described = describeFailure(t, error);
  return (
    <div className="notice notice-error" role="alert">
      <p>{described.text}</p>
      {described.detail === undefined ? null : <TechnicalDetails text={described.detail} />}
    </div>
  );
}
