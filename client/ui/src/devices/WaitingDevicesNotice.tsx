/**
 * A new device of this person waits for approval: said on every page but the devices
 * view, with the way there. The polite live region is always in the page, so a device
 * that starts waiting while the person works is announced.
 */
import { useTranslation } from 'react-i18next';
import { useDevices } from '../app/devices-context';
import { routeHash } from '../app/route';
import { waitingCount } from './devices-state';

/** The notice (an empty live region when nothing waits). */
export function WaitingDevicesNotice() {
  const { t } = useTranslation();
  const { list } = useDevices();
  const count = waitingCount(list);
  return (
    <div role="status" className="page-status">
      {count === 0 ? null : (
        <p className="notice notice-warning waiting-devices">
          <strong>{t('devices.waitingNotice', { count })}</strong> <a href={routeHash({ name: 'devices' })}>{t('devices.goApprove')}</a>
        </p>
      )}
    </div>
  );
}
