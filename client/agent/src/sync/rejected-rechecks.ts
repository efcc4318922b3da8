/**
 * Looking again at the seqs whose envelopes failed verification. A server (or anything
 * between it and this device) that altered an envelope in transit leaves the genuine one
 * in storage; without a second look it would only come back once its author sent again
 * and the clock gap showed. So each refused seq is fetched again later, with backoff:
 * the same bytes mean the server still serves the forgery (try later); other bytes are
 * processed like any envelope; no envelope at that seq means the refused one never
 * existed there (an injection or a replay under an invented seq) and nothing is owed.
 */
import { sha256, toHex } from '@yhteispoyta/crypto/bytes';
import type { StoredEnvelope } from '@yhteispoyta/crypto/protocol';
import type { Logger } from 'pino';
import type { KeyedQueue } from '@yhteispoyta/common/queue';
import { BackoffTimers, MAX_REPAIR_RETRY_MS, MIN_REPAIR_RETRY_MS } from '../backoff-timers';
import type { RelayRequests } from './relay-requests';
import type { SyncConfig } from './sync-options';

/** Refused seqs remembered per stream; beyond this the oldest are given up. */
const MAX_RECHECKS_PER_STREAM = 64;
/** Attempts per stream before the remaining seqs are given up (the last ones a minute apart). */
const MAX_ATTEMPTS = 12;

/** What second looks work with. */
export interface RecheckDeps {
  readonly relay: Pick<RelayRequests, 'fetch'>;
  readonly lanes: Pick<KeyedQueue, 'run'>;
  readonly config: Pick<SyncConfig, 'gapFetchIntervalMs'>;
  readonly log: Logger;
}

/** Processes envelopes of a stream as the inbound path does (in the workspace lane). */
export type Reprocess = (workspaceId: string, stream: string, items: readonly StoredEnvelope[]) => Promise<void>;

interface StreamRechecks {
  readonly workspaceId: string;
  readonly stream: string;
  /** refused seq → digest of the refused bytes */
  readonly seqs: Map<number, string>;
  attempts: number;
}

const streamKey = (workspaceId: string, stream: string): string => `${workspaceId}\u0000${stream}`;

/** A digest of all four parts: any change anywhere makes it differ. */
function digestOf(item: StoredEnvelope): string {
  const { header, nonce, ciphertext, signature } = item.envelope;
  return toHex(sha256(header, nonce, ciphertext, signature));
}

/** Second looks at refused envelopes. */
export class RejectedRechecks {
  readonly #deps: RecheckDeps;
  readonly #reprocess: Reprocess;
  readonly #streams = new Map<string, StreamRechecks>();
  readonly #timers = new BackoffTimers(MAX_REPAIR_RETRY_MS);
  #closed = false;

  /** Rechecks with `deps`; what arrives genuine goes to `reprocess`. */
  constructor(deps: RecheckDeps, reprocess: Reprocess) {
    this.#deps = deps;
    this.#reprocess = reprocess;
  }

  /** Remember a refused envelope (its bytes, to tell a repeat of it from the genuine one). */
  note(workspaceId: string, stream: string, item: StoredEnvelope): void {
    if (!Number.isSafeInteger(item.seq) || item.seq < 1) return;
    const key = streamKey(workspaceId, stream);
    let entry = this.#streams.get(key);
    if (entry === undefined) {
      entry = { workspaceId, stream, seqs: new Map(), attempts: 0 };
      this.#streams.set(key, entry);
    }
    entry.seqs.set(item.seq, digestOf(item));
    while (entry.seqs.size > MAX_RECHECKS_PER_STREAM) {
      const oldest = Math.min(...entry.seqs.keys());
      entry.seqs.delete(oldest);
    }
  }

  /** Schedule a second look at the stream's refused seqs, if it has any. */
  schedule(workspaceId: string, stream: string): void {
    const key = streamKey(workspaceId, stream);
    const entry = this.#streams.get(key);
    if (entry === undefined || entry.seqs.size === 0 || this.#closed) return;
    this.#timers.schedule(key, Math.max(MIN_REPAIR_RETRY_MS, this.#deps.config.gapFetchIntervalMs), () => {
      void this.#deps.lanes
        .run(workspaceId, () => this.#recheck(key, entry))
        .catch((error: unknown) => this.#deps.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'recheck failed'));
    });
  }

  /** Stop: cancel every timer. */
  close(): void {
    this.#closed = true;
    this.#timers.close();
    this.#streams.clear();
  }

  async #recheck(key: string, entry: StreamRechecks): Promise<void> {
    const core = this.#deps;
    const { workspaceId, stream } = entry;
    entry.attempts += 1;
    const genuine: StoredEnvelope[] = [];
    for (const [seq, refused] of [...entry.seqs].sort((a, b) => a[0] - b[0])) {
      if (this.#closed) return;
      const res = await core.relay.fetch(workspaceId, stream, seq - 1, 1);
      if (!res.ok) {
        if (res.error.code !== 'offline') entry.seqs.clear();
        break;
      }
      const found = res.envelopes[0];
      if (found !== undefined && found.seq === seq && digestOf(found) === refused) continue;
      entry.seqs.delete(seq);
      if (found !== undefined && found.seq === seq) genuine.push(found);
    }
    if (genuine.length > 0) await this.#reprocess(workspaceId, stream, genuine);
    if (entry.seqs.size === 0 || entry.attempts >= MAX_ATTEMPTS) {
      this.#streams.delete(key);
      this.#timers.reset(key);
      return;
    }
    this.schedule(workspaceId, stream);
  }
}
