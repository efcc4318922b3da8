/**
 * Periodic jobs of one server process. Each job runs every `everyMs`; a run still going
 * when the next is due is not doubled (the next tick is skipped), a failing run is logged
 * and the job keeps its schedule. Timers are unref'd: they never keep a process alive.
 */
import type { Logger } from 'pino';

/** One periodic job: what it does, and how often. */
export interface MaintenanceJob {
  readonly name: string;
  readonly everyMs: number;
  /** Runs the job once; answers counts worth a log line (nothing is logged when all are 0). */
  run(): Promise<Readonly<Record<string, number>>>;
}

/** Running jobs, and how to stop them. */
export interface Maintenance {
  stop(): void;
}

/** Start every job on its own interval. */
export function scheduleMaintenance(jobs: readonly MaintenanceJob[], log: Logger): Maintenance {
  const timers = jobs.map((job) => {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      job.run().then(
        (counts) => {
          if (Object.values(counts).some((n) => n > 0)) log.debug({ job: job.name, ...counts }, 'maintenance done');
        },
        (error: unknown) => log.error({ err: error, job: job.name }, 'maintenance failed'),
      ).finally(() => {
        running = false;
      });
    }, job.everyMs);
    timer.unref();
    return timer;
  });
  return {
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
