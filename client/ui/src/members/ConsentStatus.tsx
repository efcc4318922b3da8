/**
 * The client's consent as everyone in a case sees it: which organisations, for what
 * purpose, until when — or that there is none yet. Shown from the chain the agent
 * verified itself, signed by the client's own device.
 */
import { useTranslation } from 'react-i18next';
import type { Workspace } from '@yhteispoyta/local-api';
import { usePeople } from '../app/people-context';
import { formatDate } from '../lib/format';
import { consentActive } from './member-groups';

/** The consent status of a case workspace. */
export function ConsentStatus({ workspace }: { workspace: Workspace }) {
  const { t, i18n } = useTranslation();
  const { orgName } = usePeople();
  if (workspace.kind !== 'case') return null;
  const consent = workspace.consent;
  const hasClient = workspace.members.some((m) => m.role === 'client');
  return (
    <section className="card consent-status" aria-labelledby="consent-status-title" data-testid="consent-status">
      <h3 id="consent-status-title">{t('consent.statusTitle')}</h3>
      {workspace.members.some((m) => m.outsideConsent === true) ? (
        <p className="notice notice-warning" data-testid="consent-pending-answer">
          {t('consentCheck.pendingForMembers', { count: workspace.members.filter((m) => m.outsideConsent === true).length })}
        </p>
      ) : null}
      {consent === undefined ? (
        <p>{hasClient ? t('consent.noneYet') : t('consent.noClient')}</p>
      ) : (
        <>
          <p className={consentActive(consent) ? 'consent-active' : 'consent-expired'}>
            <strong>{consentActive(consent) ? t('consent.active') : t('consent.expired')}</strong>
          </p>
          <dl className="facts">
            <dt>{t('consent.orgs')}</dt>
            <dd>{consent.orgIds.length === 0 ? t('consent.noOrgs') : consent.orgIds.map((id) => orgName(id) ?? id).join(', ')}</dd>
            <dt>{t('consent.purpose')}</dt>
            <dd>{consent.purpose}</dd>
            <dt>{t('consent.validUntil')}</dt>
            <dd>{consent.expiresAt === undefined ? t('consent.untilRevoked') : formatDate(consent.expiresAt, i18n.language)}</dd>
          </dl>
          <p className="hint">{t('consent.signedByClient')}</p>
        </>
      )}
    </section>
  );
}
