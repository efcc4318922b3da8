/**
 * This person's devices, kept fresh while a certified session runs: read once, again on
 * every `devices` event (a new device used a link code, one was approved or revoked) and
 * after every reconnection. The header and the workspace list use it to say that a new
 * device waits for approval; the devices view shows and changes it.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { OwnDevices } from '@yhteispoyta/local-api';
import { devicesApi } from '../api/agent-api';
import { useAgent } from './agent-context';

/** What the devices context offers. */
export interface DevicesContextValue {
  /** undefined until first read (and while the device is not certified) */
  readonly list: OwnDevices | undefined;
  readonly loadError: unknown;
  /** read the list again */
  refresh(): void;
  /** put an answer (approve, revoke) in place before the next read */
  replace(list: OwnDevices): void;
}

const DevicesContext = createContext<DevicesContextValue | undefined>(undefined);

/** Keeps this person's device list. */
export function DevicesProvider({ children }: { children: ReactNode }) {
  const { status, onDevices } = useAgent();
  const certified = status?.state === 'ready' && status.device?.certification.state === 'certified';
  const profile = status?.profile;
  const [list, setList] = useState<OwnDevices | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [generation, setGeneration] = useState(0);
  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  useEffect(() => onDevices(refresh), [onDevices, refresh]);

  // Another profile, or a device no longer certified, starts from nothing.
  useEffect(() => {
    setList(undefined);
    setLoadError(undefined);
  }, [profile, certified]);

  useEffect(() => {
    if (!certified) return;
    let cancelled = false;
    devicesApi.list().then(
      (fresh) => {
        if (cancelled) return;
        setList(fresh);
        setLoadError(undefined);
      },
      (error: unknown) => {
        if (!cancelled) setLoadError(error);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [certified, generation]);

  const value = useMemo<DevicesContextValue>(() => ({ list, loadError, refresh, replace: setList }), [list, loadError, refresh]);
  return <DevicesContext.Provider value={value}>{children}</DevicesContext.Provider>;
}

/** The devices context; only inside {@link DevicesProvider}. */
export function useDevices(): DevicesContextValue {
  const value = useContext(DevicesContext);
  if (value === undefined) throw new Error('useDevices outside DevicesProvider');
  return value;
}
