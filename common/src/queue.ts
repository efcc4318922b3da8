/**
 * The one queue module: async tasks run one at a time, in the order they were queued —
 * either all of them ({@link SerialQueue}) or per key ({@link KeyedQueue}, keys run
 * alongside each other) — optionally bounded. A failing task never stops the queue.
 *
 * Uses: libsignal's stores are not safe for concurrent operations (a session is read,
 * ratcheted across awaits and written back), so a profile's session and prekey work runs
 * in one SerialQueue, as in Signal Desktop; the sync engine reads then writes a
 * workspace's positions in that workspace's lane of a KeyedQueue; the server runs one
 * socket's requests in a bounded SerialQueue (a client cannot park unbounded work) and
 * a store's appends to one workspace in a KeyedQueue.
 */

/** A task: sync or async; a synchronous throw is a rejection. */
export type Task<T> = () => Promise<T> | T;

/** Options of a queue (of each key's lane, for a {@link KeyedQueue}). */
export interface QueueOptions {
  /** at most this many tasks at once, the running one included; unbounded when absent */
  readonly maxPending?: number;
}

/** What {@link SerialQueue.run} rejects with when the queue already holds `maxPending` tasks. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  constructor(readonly maxPending: number) {
    super(`the queue already holds ${maxPending} tasks`);
  }
}

/** Runs tasks strictly one after another, in order. */
export class SerialQueue {
  readonly #maxPending: number;
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  constructor(options: QueueOptions = {}) {
    const maxPending = options.maxPending ?? Number.POSITIVE_INFINITY;
    if (!(maxPending >= 1)) throw new RangeError(`maxPending must be at least 1, not ${maxPending}`);
    this.#maxPending = maxPending;
  }

  /** tasks queued and not yet settled, the running one included */
  get pending(): number {
    return this.#pending;
  }

  /** whether a further task would be refused */
  get full(): boolean {
    return this.#pending >= this.#maxPending;
  }

  /**
   * Run `task` after every task queued before it has settled; resolves or rejects with
   * its result. Rejects with {@link QueueFullError} (and the task is not run) when full.
   */
  run<T>(task: Task<T>): Promise<T> {
    if (this.full) return Promise.reject(new QueueFullError(this.#maxPending));
    this.#pending += 1;
    const result = this.#tail.then(() => task());
    const settled = (): void => {
      this.#pending -= 1;
    };
    this.#tail = result.then(settled, settled);
    return result;
  }

  /**
   * Queue `task` and forget it: false (and the task is not run) when full. For tasks
   * that report their own failures — a rejection is dropped here.
   */
  tryRun(task: Task<unknown>): boolean {
    if (this.full) return false;
    this.run(task).catch(() => undefined);
    return true;
  }

  /** Resolves once every task queued so far (and any queued meanwhile) has settled. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#tail;
  }
}

/** One {@link SerialQueue} per key: tasks of one key run one after another, other keys alongside. */
export class KeyedQueue<K = string> {
  readonly #options: QueueOptions;
  readonly #lanes = new Map<K, SerialQueue>();

  /** `options` apply to each key's lane. */
  constructor(options: QueueOptions = {}) {
    this.#options = options;
  }

  /** keys with unsettled tasks */
  get size(): number {
    return this.#lanes.size;
  }

  /** Run `task` after every task queued before it under `key`; as {@link SerialQueue.run}. */
  run<T>(key: K, task: Task<T>): Promise<T> {
    const lane = this.#lane(key);
    const result = lane.run(task);
    // Forget the lane once nothing waits in it, so the map does not grow with every key.
    const forget = (): void => {
      if (lane.pending === 0 && this.#lanes.get(key) === lane) this.#lanes.delete(key);
    };
    result.then(forget, forget);
    return result;
  }

  /** As {@link SerialQueue.tryRun}, in `key`'s lane. */
  tryRun(key: K, task: Task<unknown>): boolean {
    if (this.#lanes.get(key)?.full === true) return false;
    this.run(key, task).catch(() => undefined);
    return true;
  }

  /** Resolves once every task queued so far under any key (and any queued meanwhile) has settled. */
  async idle(): Promise<void> {
    while (this.#lanes.size > 0) await Promise.all([...this.#lanes.values()].map((lane) => lane.idle()));
  }

  #lane(key: K): SerialQueue {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = new SerialQueue(this.#options);
      this.#lanes.set(key, lane);
    }
    return lane;
  }
}
