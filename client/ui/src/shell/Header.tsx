/**
 * The page header (banner landmark): the product name linking home, who is signed in and
 * in which organisation (marked verified when this device's certificate names it), this
 * person's devices (with how many new ones wait for approval), the language switch, and
 * locking the profile (which is also how to switch to another profile).
 */
import { useTranslation } from 'react-i18next';
import type { HostStatus } from '@yhteispoyta/local-api';
import { profilesApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { useDevices } from '../app/devices-context';
import { usePeople } from '../app/people-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { routeHash, useRoute } from '../app/route';
import { useAction } from '../app/use-action';
import { waitingCount } from '../devices/devices-state';
import { LanguageSwitch } from './LanguageSwitch';

/** The header. */
export function Header() {
  const { t } = useTranslation();
  const { status, setStatus } = useAgent();
  const lock = useAction();
  const device = status?.state === 'ready' ? status.device : undefined;
  return (
    <header className="app-header">
      <a className="brand" href="#/">
        <span className="brand-mark" aria-hidden="true" />
        Yhteispöytä
      </a>
      <div className="header-tools">
        {device === undefined ? null : <WhoAmI device={device} profile={status?.profile ?? ''} />}
        {device?.certification.state === 'certified' ? <DevicesLink /> : null}
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

type Device = NonNullable<HostStatus['device']>;

function WhoAmI({ device, profile }: { device: Device; profile: string }) {
  const { t } = useTranslation();
  const { orgName } = usePeople();
  const certifiedOrg = device.certification.orgName;
  // Until the certificate names it, the organisation is shown only if the directory does (never a bare id).
  const org = certifiedOrg ?? orgName(device.orgId);
  // The name comes with the certificate; until then the profile's name says who this is.
  const name = device.displayName.trim() === '' ? profile : device.displayName;
  return (
    <p className="whoami">
      <span className="whoami-name">{name}</span>
      <span className="whoami-detail">
        {t(`roles.${device.role}`)}
        {device.role === 'client' || org === undefined ? '' : ` · ${org}`}
        {device.certification.state === 'certified'
          ? certifiedOrg === undefined
            ? ''
            : ` (${t('header.certified')})`
          : ` · ${t(`header.certification.${device.certification.state}`)}`}
      </span>
    </p>
  );
}

function DevicesLink() {
  const { t } = useTranslation();
  const route = useRoute();
  const { list } = useDevices();
  const waiting = waitingCount(list);
  return (
    <a className="header-link" href={routeHash({ name: 'devices' })} aria-current={route.name === 'devices' ? 'page' : undefined}>
      {t('header.devices')}
      {waiting === 0 ? null : (
        <>
          <span className="badge badge-unread header-badge" aria-hidden="true">
            {waiting}
          </span>
          <span className="visually-hidden">{` (${t('header.waiting', { count: waiting })})`}</span>
        </>
      )}
    </a>
  );
}
