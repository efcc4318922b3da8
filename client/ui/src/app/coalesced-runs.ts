/**
 * Runs of a task where a request made while a run is going is neither dropped nor run
 * alongside: it makes one more run when the current one ends (however many requests came
 * meanwhile). The core of {@link useReload}, without React.
 */

/** A function that starts `task` now, or once more after the run that is going. */
export function coalescedRuns(task: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const loop = async (): Promise<void> => {
    try {
      do {
        again = false;
        await task();
      } while (again);
    } finally {
      // A task that throws ends the loop but never leaves the runner stuck as running.
      running = false;
    }
  };
  return () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    loop().catch(() => undefined);
  };
}
