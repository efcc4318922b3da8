/**
 * A process's own V8 CPU profiler (node:inspector), started and stopped around exactly
 * the window being measured — not start-up — and written as a `.cpuprofile` that
 * cpu-profile.ts summarises. Used by the measured servers (child.ts) and the load
 * generators (fleet-worker.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** One process's profiler. */
export class SelfProfiler {
  readonly #session = new Session();

  constructor() {
    this.#session.connect();
  }

  /** Start sampling. */
  async start(): Promise<void> {
    await this.#session.post('Profiler.enable');
    await this.#session.post('Profiler.start');
  }

  /** Stop sampling and write the profile to `file`. */
  async stop(file: string): Promise<void> {
    const { profile } = await this.#session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
  }
}
