/**
 * Running one user action at a time: while it runs its button is disabled (no double
 * submissions), its failure is kept for an {@link ErrorNotice}, and a component that
 * unmounted meanwhile is not updated.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

/** State and runner of an action. */
export interface ActionState {
  readonly busy: boolean;
  readonly error: unknown;
  /** run `task` unless one is running; resolves true when it succeeded */
  run(task: () => Promise<void>): Promise<boolean>;
  clearError(): void;
}

/** An action's state. */
export function useAction(): ActionState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const running = useRef(false);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(async (task: () => Promise<void>) => {
    if (running.current) return false;
    running.current = true;
    setBusy(true);
    setError(undefined);
    try {
      await task();
      return true;
    } catch (failure) {
      if (mounted.current) setError(failure);
      return false;
    } finally {
      running.current = false;
      if (mounted.current) setBusy(false);
    }
  }, []);
  const clearError = useCallback(() => setError(undefined), []);
  return { busy, error, run, clearError };
}
