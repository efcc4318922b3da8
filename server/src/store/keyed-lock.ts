/**
 * An in-process lock per key: callers with the same key run one after another, others
 * run freely. The mongo adapter uses it so that, within one process, allocating a
 * workspace sequence number and inserting the envelope that carries it are never
 * interleaved with another append to that workspace (so readers never see seq n+1
 * before n from a single process). Cross-process safety comes from the database's
 * conditional updates and unique indexes, not from this lock.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Run `task` after every earlier task of the same key has settled. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    try {
      await previous;
      return await task();
    } finally {
      release();
      // Forget the key once nobody queued behind us, so the map does not grow forever.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
