/**
 * A failure shown where it happened, announced at once (role="alert"), with the agent's
 * own words when the UI has no better ones.
 */
import { useTranslation } from 'react-i18next';
import { describeFailure } from './errors';

/** Shows `error` if there is one. */
export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error === undefined || error === null) return null;
  const described = describeFailure(t, error);
  return (
    <div className="notice notice-error" role="alert">
      <p>{described.text}</p>
      {described.detail === undefined ? null : (
        <p className="notice-detail">
          {t('errors.detail')} <span lang="en">{described.detail}</span>
        </p>
      )}
    </div>
  );
}
