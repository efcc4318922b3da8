/**
 * Taking Yhteispöytä into use on one more device: a one-time code made here, typed into
 * the new device's start page. The new device then shows six digits, which the person
 * compares with the ones this view lists before approving it.
 */
import { useTranslation } from 'react-i18next';
import { useState } from 'react';
import type { LinkCode } from '@yhteispoyta/local-api';
import { devicesApi } from '../api/agent-api';
import { CopyableCode } from '../app/CopyableCode';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { formatDateTime } from '../lib/format';

/** The link-code panel (on the device that approves). */
export function LinkCodePanel() {
  const { t, i18n } = useTranslation();
  const [link, setLink] = useState<LinkCode | undefined>(undefined);
  const create = useAction();
  return (
    <section className="card" aria-labelledby="link-code-title">
      <h2 id="link-code-title">{t('devices.linkTitle')}</h2>
      <p className="hint">{t('devices.linkLead')}</p>
      <ErrorNotice error={create.error} />
      <button type="button" className={link === undefined ? undefined : 'button-secondary'} disabled={create.busy} aria-busy={create.busy} onClick={() => void create.run(async () => setLink(await devicesApi.linkCode()))}>
        {create.busy ? t('devices.linkCreating') : link === undefined ? t('devices.linkCreate') : t('devices.linkCreateAnother')}
      </button>
      <div role="status">
        {link === undefined ? null : (
          <div className="notice notice-success invitation">
            <p>
              <strong>{t('devices.linkCreated', { device: link.deviceId })}</strong>
            </p>
            <CopyableCode label={t('devices.linkCode')} code={link.code} testId="link-code" />
            <p className="hint">{t('devices.linkOnce', { until: formatDateTime(link.expiresAt, i18n.language) })}</p>
            <ol className="steps">
              <li>{t('devices.linkStep1')}</li>
              <li>{t('devices.linkStep2')}</li>
              <li>{t('devices.linkStep3')}</li>
            </ol>
          </div>
        )}
      </div>
    </section>
  );
}
