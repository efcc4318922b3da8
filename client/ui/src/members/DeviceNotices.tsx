/**
 * Devices coming and going in a workspace, from the membership chain this device
 * verified itself: "Maija lisäsi uuden laitteen", "Henkilön Maija laite poistettiin",
 * newest first with the time. A new device is how someone would listen in, so every
 * member sees each one; new entries are announced politely.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Workspace } from '@yhteispoyta/local-api';
import { formatDateTime } from '../lib/format';
import { describeNotice, recentNotices } from './notices';
import { useMemberName } from './use-member-name';

/** How many notices are listed before "show all". */
const NOTICES_SHOWN = 8;

/** The device-change list of a workspace. */
export function DeviceNotices({ workspace }: { workspace: Workspace }) {
  const { t, i18n } = useTranslation();
  const nameOf = useMemberName(workspace.members);
  const [all, setAll] = useState(false);
  const shown = recentNotices(workspace.notices, all ? workspace.notices.length : NOTICES_SHOWN);
  return (
    <section className="card device-notices" aria-labelledby="device-notices-title" data-testid="device-notices">
      <h3 id="device-notices-title">{t('members.notices.title')}</h3>
      <p className="hint">{t('members.notices.lead')}</p>
      {workspace.notices.length === 0 ? <p className="empty">{t('members.notices.none')}</p> : null}
      <div role="log" aria-labelledby="device-notices-title">
        <ul className="notice-list">
          {shown.map((notice) => {
            const phrase = describeNotice(notice, nameOf);
            return (
              <li key={`${notice.at}-${notice.kind}-${notice.userId}-${notice.deviceId}`} className={`device-notice device-notice-${notice.kind}`}>
                <span className="device-notice-text">
                  {t(phrase.key, phrase.values)}
                  {phrase.by === undefined ? null : <> {t('members.notices.by', { by: phrase.by })}</>}
                </span>{' '}
                <time className="muted" dateTime={new Date(notice.at).toISOString()}>
                  {formatDateTime(notice.at, i18n.language)}
                </time>
              </li>
            );
          })}
        </ul>
      </div>
      {workspace.notices.length > NOTICES_SHOWN ? (
        <button type="button" className="button-link" aria-expanded={all} onClick={() => setAll((v) => !v)}>
          {all ? t('members.notices.showFewer') : t('members.notices.showAll', { count: workspace.notices.length })}
        </button>
      ) : null}
    </section>
  );
}
