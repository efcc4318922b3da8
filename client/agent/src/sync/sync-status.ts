/**
 * The sync status the UI shows (link, queued changes, workspaces catching up), published
 * to listeners whenever it changes.
 */
import type { Logger } from 'pino';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { LinkStatus, ServerLink, SyncStatus } from '../contracts';

/** Where the status is read from. */
export interface StatusSources {
  readonly link: Pick<ServerLink, 'status'>;
  /** queued local changes */
  pending(): number;
  /** workspaces whose catch-up is running */
  syncing(): readonly string[];
}

/** The status and its listeners. */
export class SyncStatusBoard {
  readonly #sources: StatusSources;
  readonly #log: Logger;
  readonly #listeners = new Listeners<[status: SyncStatus]>((error) =>
    this.#log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'a status listener failed'),
  );
  #last = '';
  #closed = false;

  /** Reads `sources`; a failing listener is logged to `log`. */
  constructor(sources: StatusSources, log: Logger) {
    this.#sources = sources;
    this.#log = log;
  }

  /** The current status (nothing pending once closed: the engine sends nothing more). */
  status(): SyncStatus {
    const link: LinkStatus = this.#sources.link.status();
    return { link, pending: this.#closed ? 0 : this.#sources.pending(), syncing: [...this.#sources.syncing()].sort() };
  }

  /** Listen to status changes; returns the unsubscribe function. */
  onStatus(listener: (status: SyncStatus) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Something the status reads may have changed: publish it if it did. */
  changed(): void {
    if (this.#closed) return;
    const status = this.status();
    const text = JSON.stringify(status);
    if (text === this.#last) return;
    this.#last = text;
    this.#listeners.emit(status);
  }

  /** Stop publishing. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
  }
}
