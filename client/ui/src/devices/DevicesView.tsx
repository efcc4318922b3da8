/**
 * This person's devices: new devices waiting for approval (compare the six digits, then
 * approve), the devices in use (revoke a lost one), those revoked, and a link code for
 * the next device. Approving, revoking and link codes are done on the device that holds
 * the person's user key (his first device); on any other the view says so and only lists.
 */
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDevices } from '../app/devices-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { devicesViewState } from './devices-state';
import { LinkCodePanel } from './LinkCodePanel';
import { OwnDeviceItem } from './OwnDeviceItem';
import { PendingDeviceCard } from './PendingDeviceCard';

/** The devices view. */
export function DevicesView() {
  const { t } = useTranslation();
  const { list, loadError } = useDevices();
  // What the last approval or revocation did, for the live region (the card it came from is gone).
  const [said, setSaid] = useState<string | undefined>(undefined);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const state = list === undefined ? undefined : devicesViewState(list);
  return (
    <div className="devices-view">
      <p className="breadcrumb">
        <a href="#/">{t('workspace.back')}</a>
      </p>
      <h1 ref={headingRef} tabIndex={-1}>
        {t('devices.title')}
      </h1>
      <p className="lead">{t('devices.lead')}</p>
      <ErrorNotice error={loadError} />
      <div role="status" className="page-status">
        {said === undefined ? null : <p className="notice notice-success">{said}</p>}
      </div>
      {state === undefined ? (
        loadError === undefined ? <p role="status">{t('common.loading')}</p> : null
      ) : (
        <>
          {state.canApprove ? null : <p className="notice notice-info">{t('devices.notFirst')}</p>}
          <div className="devices-columns">
            <div>
              {state.pending.length === 0 ? null : (
                <section aria-labelledby="pending-devices-title" className="pending-devices">
                  <h2 id="pending-devices-title">{t('devices.pendingTitle', { count: state.pending.length })}</h2>
                  <ul className="plain-list">
                    {state.pending.map((device) => (
                      <PendingDeviceCard
                        key={device.deviceId}
                        device={device}
                        onApproved={(deviceId) => {
                          setSaid(t('devices.approved', { device: deviceId }));
                          headingRef.current?.focus();
                        }}
                      />
                    ))}
                  </ul>
                </section>
              )}
              <section aria-labelledby="own-devices-title">
                <h2 id="own-devices-title">{t('devices.inUseTitle')}</h2>
                <ul className="device-list">
                  {state.current === undefined ? null : <OwnDeviceItem device={state.current} canRevoke={false} />}
                  {state.others.map((device) => (
                    <OwnDeviceItem
                      key={device.deviceId}
                      device={device}
                      canRevoke={state.canApprove}
                      onRevoked={(deviceId) => {
                        setSaid(t('devices.revokedDone', { device: deviceId }));
                        headingRef.current?.focus();
                      }}
                    />
                  ))}
                </ul>
              </section>
              {state.revoked.length === 0 ? null : (
                <section aria-labelledby="revoked-devices-title">
                  <h2 id="revoked-devices-title">{t('devices.revokedTitle')}</h2>
                  <ul className="device-list">
                    {state.revoked.map((device) => (
                      <OwnDeviceItem key={device.deviceId} device={device} canRevoke={false} />
                    ))}
                  </ul>
                </section>
              )}
            </div>
            <div>{state.canLink ? <LinkCodePanel /> : null}</div>
          </div>
        </>
      )}
    </div>
  );
}
