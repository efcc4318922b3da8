/**
 * The visible control that asks for desktop notifications: the browser's permission is
 * asked only when the person presses the button, never on load. Once granted he may turn
 * notifications off again, and choose whether they show the workspace and the text.
 */
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notificationPermission, useNotifySettings } from './notify-settings';

/** Notifications on or off, and how much they show. */
export function NotificationControl({ profile }: { profile: string }) {
  const { t } = useTranslation();
  const [settings, update] = useNotifySettings(profile);
  const [permission, setPermission] = useState(notificationPermission);
  const ids = { enabled: useId(), contents: useId(), hint: useId() };

  if (permission === 'unsupported') {
    return (
      <section className="notify-control" aria-label={t('reach.notifications')}>
        <p className="muted">{t('reach.unsupported')}</p>
      </section>
    );
  }
  if (permission === 'denied') {
    return (
      <section className="notify-control" aria-label={t('reach.notifications')}>
        <p className="muted">{t('reach.denied')}</p>
      </section>
    );
  }
  if (permission === 'default' || !settings.enabled) {
    return (
      <section className="notify-control" aria-label={t('reach.notifications')}>
        <p id={ids.hint} className="hint">
          {t('reach.offHint')}
        </p>
        <button
          type="button"
          className="button-secondary"
          aria-describedby={ids.hint}
          onClick={() => {
            if (permission === 'granted') {
              update({ enabled: true });
              return;
            }
            void window.Notification.requestPermission().then((answer) => {
              setPermission(answer);
              if (answer === 'granted') update({ enabled: true });
            });
          }}
        >
          {t('reach.enable')}
        </button>
      </section>
    );
  }
  return (
    <section className="notify-control" aria-label={t('reach.notifications')}>
      <p className="checkbox-row">
        <input id={ids.enabled} type="checkbox" checked={settings.enabled} onChange={(event) => update({ enabled: event.target.checked })} />
        <label htmlFor={ids.enabled}>{t('reach.on')}</label>
      </p>
      <p className="checkbox-row">
        <input id={ids.contents} type="checkbox" checked={settings.showContents} onChange={(event) => update({ showContents: event.target.checked })} />
        <label htmlFor={ids.contents}>{t('reach.showContents')}</label>
      </p>
    </section>
  );
}
