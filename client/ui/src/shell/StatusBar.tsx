/**
 * The status bar (contentinfo landmark): whether the agent reaches the central server,
 * whether it is catching up, how many own edits and messages still wait for the server,
 * and how many problems are listed. Polite live region: changes are announced without
 * interrupting.
 */
import { useTranslation } from 'react-i18next';
import { useAgent } from '../app/agent-context';
import { linkState } from './link-state';

/** The status bar. */
export function StatusBar() {
  const { t } = useTranslation();
  const { status, events, problems } = useAgent();
  const sync = status?.sync;
  const state = linkState(events, status?.state, status?.link, sync?.syncing.length ?? 0);
  return (
    <footer className="status-bar">
      <p role="status" aria-live="polite" className="status-items">
        <span className={`status-dot status-${state}`} aria-hidden="true" />
        <span data-testid="link-state" className="status-long">
          {t(`status.${state}`)}
        </span>
        {/* On a phone the bar stays one line: the same facts in fewer words. */}
        <span className="status-short">{t(`statusShort.${state}`)}</span>
        {status?.state !== 'ready' ? null : (
          <>
            <span className="status-sep" aria-hidden="true">
              ·
            </span>
            <span data-testid="pending-count" className="status-long">
              {t('status.pending', { count: sync?.pending ?? 0 })}
            </span>
            <span className="status-short">{t('statusShort.pending', { count: sync?.pending ?? 0 })}</span>
            <span className="status-sep" aria-hidden="true">
              ·
            </span>
            {problems.length === 0 ? (
              <span>{t('status.noProblems')}</span>
            ) : (
              <a href="#problems">
                <span className="status-long">{t('status.problems', { count: problems.length })}</span>
                <span className="status-short">{t('statusShort.problems', { count: problems.length })}</span>
              </a>
            )}
          </>
        )}
      </p>
    </footer>
  );
}
