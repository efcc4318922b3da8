/**
 * A view's data loaded again whenever something changed. Unlike a user action
 * ({@link useAction}, one at a time, a second click dropped), a reload asked for while a load
 * runs is not dropped — that load may have read the state from before the change — but runs
 * once more when it ends (coalesced-runs.ts). A failure is kept for an ErrorNotice and cleared
 * by the next success; a view that unmounted is not updated.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { coalescedRuns } from './coalesced-runs';

/** `reload()` runs `load` now, or once more after the load that is running; `error`: the last failure. */
export function useReload(load: () => Promise<void>): { readonly reload: () => void; readonly error: unknown } {
  const [error, setError] = useState<unknown>(undefined);
  const latest = useRef(load);
  const mounted = useRef(true);
  useLayoutEffect(() => {
    latest.current = load;
  });
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const request = useMemo(
    () =>
      coalescedRuns(async () => {
        if (!mounted.current) return;
        try {
          await latest.current();
          if (mounted.current) setError(undefined);
        } catch (failure) {
          if (mounted.current) setError(failure);
        }
      }),
    [],
  );
  // `load` is a dependency so that a view's `useEffect(reload, [reload])` loads again when what it shows changes.
  const reload = useCallback(() => request(), [request, load]);
  return { reload, error };
}
