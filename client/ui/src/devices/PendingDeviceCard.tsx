/**
 * A new device waiting for approval. The new device shows six digits; the same six are
 * shown here. Only after the person answers that they match is "Hyväksy uusi laite"
 * offered — a device whose digits differ may be someone else's, slipped in with keys of
 * its own, and approving it would hand it everything.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PendingDevice } from '@yhteispoyta/local-api';
import { devicesApi } from '../api/agent-api';
import { useDevices } from '../app/devices-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { formatDateTime } from '../lib/format';
import { mayApprove, spokenDigits } from './devices-state';
import type { CodeComparison } from './devices-state';

/** The card of one waiting device; `onApproved` hears of its approval. */
export function PendingDeviceCard({ device, onApproved }: { device: PendingDevice; onApproved(deviceId: number): void }) {
  const { t, i18n } = useTranslation();
  const { replace } = useDevices();
  const [comparison, setComparison] = useState<CodeComparison>('unanswered');
  const approve = useAction();
  const reject = useAction();
  const ids = { title: useId(), code: useId() };
  return (
    <li className="card pending-device" aria-labelledby={ids.title}>
      <h3 id={ids.title}>{t('devices.newDevice', { device: device.deviceId })}</h3>
      <p className="hint">{t('devices.enrolledAt', { when: formatDateTime(device.enrolledAt, i18n.language) })}</p>
      <p id={ids.code}>{t('devices.compareLead')}</p>
      <p className="approval-code" data-testid="approval-code">
        <span aria-hidden="true">{device.approvalCode}</span>
        <span className="visually-hidden">{spokenDigits(device.approvalCode)}</span>
      </p>
      <fieldset>
        <legend>{t('devices.compareQuestion')}</legend>
        <label className="choice">
          <input type="radio" name={`compare-${device.deviceId}`} checked={comparison === 'same'} onChange={() => setComparison('same')} />
          {t('devices.compareSame')}
        </label>
        <label className="choice">
          <input type="radio" name={`compare-${device.deviceId}`} checked={comparison === 'different'} onChange={() => setComparison('different')} />
          {t('devices.compareDifferent')}
        </label>
      </fieldset>
      <div aria-live="polite">
        {comparison === 'different' ? (
          <div className="notice notice-danger">
            <p>
              <strong>{t('devices.differentTitle')}</strong>
            </p>
            <p>{t('devices.differentExplain')}</p>
            <ErrorNotice error={reject.error} />
            <button
              type="button"
              className="danger"
              disabled={reject.busy}
              aria-busy={reject.busy}
              onClick={() => void reject.run(async () => replace(await devicesApi.reject(device.deviceId)))}
            >
              {t('devices.reject')}
            </button>
          </div>
        ) : null}
      </div>
      <ErrorNotice error={approve.error} />
      <button
        type="button"
        disabled={!mayApprove(comparison) || approve.busy}
        aria-busy={approve.busy}
        onClick={() =>
          void approve.run(async () => {
            replace(await devicesApi.approve(device.deviceId));
            onApproved(device.deviceId);
          })
        }
      >
        {approve.busy ? t('devices.approving') : t('devices.approve')}
      </button>
      {mayApprove(comparison) ? null : <p className="hint">{t('devices.approveHint')}</p>}
    </li>
  );
}
