/**
 * What a tab without the agent's token shows: how to open the agent's address (the one it
 * printed, with `#token=…`). A new tab, a bookmark without the token, or a token from
 * before the agent restarted all end here — with words, not the API's raw refusal.
 */
import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from '../shell/LanguageSwitch';

/** Why the tab has no usable token. */
export type MissingTokenReason = 'missing' | 'refused';

/** The explanation page. */
export function OpenFromAgentView({ reason }: { reason: MissingTokenReason }) {
  const { t } = useTranslation();
  return (
    <>
      <header className="app-header">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Yhteispöytä
        </span>
        <div className="header-tools">
          <LanguageSwitch />
        </div>
      </header>
      <main id="main" tabIndex={-1} className="main">
        <section className="card" aria-labelledby="open-agent-title">
          <h1 id="open-agent-title">{t('openAgent.title')}</h1>
          <p>{reason === 'refused' ? t('openAgent.refused') : t('openAgent.missing')}</p>
          <ol>
            <li>{t('openAgent.stepFind')}</li>
            <li>{t('openAgent.stepOpen')}</li>
          </ol>
          <p>{t('openAgent.why')}</p>
        </section>
      </main>
    </>
  );
}
