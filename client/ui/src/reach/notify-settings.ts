/**
 * The person's choices about desktop notifications, kept per profile in this browser:
 * whether to notify at all (asked only through a visible control, never on load) and
 * whether a notification may show the workspace's name and the message's text (off by
 * default: it may show on a lock screen).
 */
import { useCallback, useSyncExternalStore } from 'react';

/** The choices. */
export interface NotifySettings {
  readonly enabled: boolean;
  readonly showContents: boolean;
}

const OFF: NotifySettings = { enabled: false, showContents: false };
const CHANGED = 'yhteispoyta:notify-settings';

function keyOf(profile: string): string {
  return `yhteispoyta:notify:${profile}`;
}

/** Read the choices of a profile; anything damaged reads as off. */
function readNotifySettings(profile: string): NotifySettings {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(keyOf(profile)) ?? 'null');
    if (typeof parsed !== 'object' || parsed === null) return OFF;
    const { enabled, showContents } = parsed as Record<string, unknown>;
    return { enabled: enabled === true, showContents: showContents === true };
  } catch {
    return OFF;
  }
}

const cache = new Map<string, { raw: string | null; value: NotifySettings }>();

function snapshot(profile: string): NotifySettings {
  const raw = window.localStorage.getItem(keyOf(profile));
  const cached = cache.get(profile);
  if (cached !== undefined && cached.raw === raw) return cached.value;
  const value = readNotifySettings(profile);
  cache.set(profile, { raw, value });
  return value;
}

function subscribe(listener: () => void): () => void {
  window.addEventListener(CHANGED, listener);
  window.addEventListener('storage', listener);
  return () => {
    window.removeEventListener(CHANGED, listener);
    window.removeEventListener('storage', listener);
  };
}

/** The choices of `profile` and the function that changes them (every user of the hook sees the change). */
export function useNotifySettings(profile: string): [NotifySettings, (change: Partial<NotifySettings>) => void] {
  const value = useSyncExternalStore(subscribe, () => snapshot(profile));
  const update = useCallback(
    (change: Partial<NotifySettings>) => {
      try {
        window.localStorage.setItem(keyOf(profile), JSON.stringify({ ...readNotifySettings(profile), ...change }));
      } catch {
        // Storage disabled: the choice lasts until the page is left.
      }
      window.dispatchEvent(new Event(CHANGED));
    },
    [profile],
  );
  return [value, update];
}

/** The browser's permission, or 'unsupported' where there is no Notification API. */
export function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof window.Notification === 'undefined' ? 'unsupported' : window.Notification.permission;
}
