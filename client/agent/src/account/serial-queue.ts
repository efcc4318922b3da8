/**
 * A queue that runs async tasks one at a time, in order. libsignal's stores are not safe
 * for concurrent operations (a session is read, ratcheted across awaits, and written back),
 * so every session and prekey operation of a profile goes through one of these, as in
 * Signal Desktop.
 */

/** Runs tasks strictly one after another; a failing task does not stop the queue. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Run `task` after every task queued before it; resolves or rejects with its result. */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(() => task());
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
