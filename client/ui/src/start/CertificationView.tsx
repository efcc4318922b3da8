/**
 * What a device that is not certified sees instead of an empty workspace list: who it
 * waits for and what happens next. A professional waits for his organisation's
 * administrator, a client for the professional who invited him, a person's further
 * device for his approval on his first device — this device shows the six digits to
 * compare there. A revoked device is told so plainly. The page changes by itself when
 * the certificate arrives (the agent says so in its status).
 */
import { useTranslation } from 'react-i18next';
import type { Certification } from '@yhteispoyta/local-api';
import { CERTIFICATION_STEPS } from '../app/certification';
import type { CertificationView as View } from '../app/certification';
import { spokenDigits } from '../devices/devices-state';

/** The explanation for a device in `view` (anything but certified). */
export function CertificationView({ view, certification }: { view: Exclude<View, 'certified'>; certification: Certification }) {
  const { t } = useTranslation();
  return (
    <div className="certification" data-testid="certification-view">
      <h1>{t(`certification.${view}.title`)}</h1>
      <p className="lead">{t(`certification.${view}.lead`)}</p>
      {view === 'pending_link' && certification.approvalCode !== undefined ? <ApprovalCode code={certification.approvalCode} /> : null}
      <section className={`card narrow ${view === 'revoked' ? 'certification-revoked' : ''}`} aria-labelledby="certification-next">
        <h2 id="certification-next">{t(view === 'revoked' ? 'certification.whatNow' : 'certification.next')}</h2>
        <ol className="steps">
          {CERTIFICATION_STEPS[view].map((step) => (
            <li key={step}>{t(`certification.${view}.${step}`)}</li>
          ))}
        </ol>
      </section>
      {view === 'revoked' ? null : (
        <p className="hint waiting-line">
          <span className="waiting-dot" aria-hidden="true" />
          {t('certification.updatesItself')}
        </p>
      )}
    </div>
  );
}

function ApprovalCode({ code }: { code: string }) {
  const { t } = useTranslation();
  return (
    <div className="approval-code-box">
      <p className="approval-code-label" id="own-approval-code">
        {t('certification.pending_link.codeLabel')}
      </p>
      <p className="approval-code" aria-describedby="own-approval-code" data-testid="own-approval-code">
        <span aria-hidden="true">{code}</span>
        <span className="visually-hidden">{spokenDigits(code)}</span>
      </p>
    </div>
  );
}
