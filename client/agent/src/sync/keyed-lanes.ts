/**
 * One-at-a-time execution per key. The sync engine runs everything that reads and then
 * writes a workspace's positions (processing received envelopes, catch-up, recording an
 * acknowledgement) in that workspace's lane, so those steps never interleave.
 */

/** Serialises async tasks per key; tasks of different keys run concurrently. */
export class KeyedLanes {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Run `task` after every task queued before it under `key`; its result or error is passed through. */
  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Resolves when every task queued so far (under any key) has settled. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }
}
