/**
 * Timers that retry a repair per key with exponential backoff: the first retry after a
 * floor, each further one twice as late up to a ceiling, until the key is reset (the
 * repair succeeded or is no longer needed). Used where the sync engine waits for a server
 * that withheld or altered something and nothing else would make it look again.
 */

/** The earliest first retry of a repair (the engine may ask for a longer floor). */
export const MIN_REPAIR_RETRY_MS = 250;
/** The longest wait between two attempts of a repair. */
export const MAX_REPAIR_RETRY_MS = 60_000;

interface Entry {
  timer: ReturnType<typeof setTimeout> | undefined;
  delayMs: number;
}

/** Backoff timers by key. */
export class BackoffTimers {
  readonly #entries = new Map<string, Entry>();
  readonly #maxMs: number;
  #closed = false;

  /** Delays never exceed `maxMs`. */
  constructor(maxMs: number) {
    this.#maxMs = maxMs;
  }

  /**
   * Run `run` later for `key`, unless a run is already scheduled: after `floorMs` the
   * first time since the last {@link reset}, twice the previous delay after that.
   */
  schedule(key: string, floorMs: number, run: () => void): void {
    if (this.#closed) return;
    const entry = this.#entries.get(key);
    if (entry?.timer !== undefined) return;
    const delayMs = entry === undefined ? floorMs : Math.min(this.#maxMs, Math.max(floorMs, entry.delayMs * 2));
    const next: Entry = { timer: undefined, delayMs };
    next.timer = setTimeout(() => {
      next.timer = undefined;
      if (!this.#closed) run();
    }, delayMs);
    next.timer.unref();
    this.#entries.set(key, next);
  }

  /** Cancel what is scheduled for `key` and forget its backoff. */
  reset(key: string): void {
    clearTimeout(this.#entries.get(key)?.timer);
    this.#entries.delete(key);
  }

  /** Cancel everything; nothing is scheduled any more. */
  close(): void {
    this.#closed = true;
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
    this.#entries.clear();
  }
}
