/**
 * One of this person's devices: its number, since when, whether it is this one or revoked,
 * and (from the first device) revoking it — asked in plain words in the page first.
 */
import { useTranslation } from 'react-i18next';
import type { OwnDevice } from '@yhteispoyta/local-api';
import { devicesApi } from '../api/agent-api';
import { useDevices } from '../app/devices-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { InlineConfirm } from '../app/InlineConfirm';
import { useAction } from '../app/use-action';
import { formatDate } from '../lib/format';

/** A device row; `onRevoked` hears of a revocation done here. */
export function OwnDeviceItem({ device, canRevoke, onRevoked }: { device: OwnDevice; canRevoke: boolean; onRevoked?: (deviceId: number) => void }) {
  const { t, i18n } = useTranslation();
  const { replace } = useDevices();
  const revoke = useAction();
  const name = t('devices.device', { device: device.deviceId });
  return (
    <li className={device.revoked ? 'own-device own-device-revoked' : 'own-device'} data-device-id={device.deviceId}>
      <p className="own-device-name">
        {name}
        {device.current ? <span className="badge badge-current">{t('devices.thisDevice')}</span> : null}
        {device.revoked ? <span className="badge badge-danger">{t('devices.revokedBadge')}</span> : null}
      </p>
      <p className="own-device-meta">{t('devices.since', { date: formatDate(device.created, i18n.language) })}</p>
      {canRevoke && !device.current && !device.revoked ? (
        <InlineConfirm
          label={t('devices.revoke')}
          ariaLabel={`${t('devices.revoke')}: ${name}`}
          question={
            <>
              <p>
                <strong>{t('devices.revokeQuestion', { device: device.deviceId })}</strong>
              </p>
              <p>{t('devices.revokeExplain')}</p>
            </>
          }
          confirmLabel={t('devices.revokeConfirm')}
          cancelLabel={t('common.cancel')}
          busy={revoke.busy}
          onConfirm={() =>
            void revoke.run(async () => {
              replace(await devicesApi.revoke(device.deviceId));
              onRevoked?.(device.deviceId);
            })
          }
        />
      ) : null}
      <ErrorNotice error={revoke.error} />
    </li>
  );
}
