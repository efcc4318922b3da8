/**
 * The page header (banner landmark): the product name linking home, who is signed in and
 * in which organisation, the language switch, and locking the profile (which is also how
 * to switch to another profile).
 */
import { useTranslation } from 'react-i18next';
import { profilesApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { usePeople } from '../app/people-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { LanguageSwitch } from './LanguageSwitch';

/** The header. */
export function Header() {
  const { t } = useTranslation();
  const { status, setStatus } = useAgent();
  const { orgName } = usePeople();
  const lock = useAction();
  const device = status?.state === 'ready' ? status.device : undefined;
  return (
    <header className="app-header">
      <a className="brand" href="#/">
        <span className="brand-mark" aria-hidden="true" />
        Yhteispöytä
      </a>
      <div className="header-tools">
        {device === undefined ? null : (
          <p className="whoami">
            <span className="whoami-name">{device.displayName}</span>
            <span className="whoami-detail">
              {t(`roles.${device.role}`)}
              {device.role === 'client' ? '' : ` · ${orgName(device.orgId) ?? device.orgId}`}
            </span>
          </p>
        )}
        <LanguageSwitch />
        {status?.state === 'locked' || status === undefined ? null : (
          <button
            type="button"
            className="button-secondary"
            disabled={lock.busy}
            onClick={() => void lock.run(async () => setStatus(await profilesApi.lock()))}
          >
            {lock.busy ? t('header.locking') : t('header.lock')}
          </button>
        )}
      </div>
      <ErrorNotice error={lock.error} />
    </header>
  );
}
