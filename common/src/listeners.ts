/**
 * A typed set of listeners: `add` returns the unsubscribe function, `emit` calls every
 * listener with the same arguments, and one listener's throw is handed to the set's
 * error reporter while the others still hear.
 */

/** A listener of a {@link Listeners} set. */
export type Listener<Args extends readonly unknown[]> = (...args: Args) => void;

/** Listeners of one kind of event, each told in the order it was added. */
export class Listeners<Args extends readonly unknown[] = []> {
  readonly #listeners = new Set<Listener<Args>>();
  readonly #onError: (error: unknown) => void;

  /** `onError` learns of each listener that threw (a logger, a counter; never rethrow). */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** how many listeners there are */
  get size(): number {
    return this.#listeners.size;
  }

  /** Add `listener` (adding the same function twice adds it once); returns what removes it. */
  add(listener: Listener<Args>): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Call every listener with `args`. One removed while this runs (by an earlier listener)
   * is not called; one added while this runs hears from the next emit. A listener that
   * throws is reported, never propagated.
   */
  emit(...args: Args): void {
    for (const listener of [...this.#listeners]) {
      if (!this.#listeners.has(listener)) continue;
      try {
        listener(...args);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Remove every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
