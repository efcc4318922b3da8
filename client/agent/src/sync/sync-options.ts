/**
 * The sync engine's and the documents' tunables.
 */

/** Tunables of the sync engine. */
export interface SyncConfig {
  /** local Yjs updates arriving within this window are merged into one envelope */
  readonly mergeWindowMs: number;
  /** a document stream gets a new snapshot once more than this many updates sit on its active one */
  readonly compactionThreshold: number;
  /**
   * An envelope sealed under an epoch whose key has not arrived yet is held this long
   * before `unknown_epoch` is reported: after a rotation the new key travels through the
   * mailbox and usually lands a moment after the first envelopes sealed under it.
   */
  readonly keyWaitMs: number;
  /**
   * A snapshot starts after a random delay up to this long: every member sees the same
   * updates and would otherwise all seal a snapshot at once, all but one in vain.
   */
  readonly compactionJitterMs: number;
  /** a clock gap triggers at most one `fetch` per stream within this interval */
  readonly gapFetchIntervalMs: number;
  /** local document updates kept as separate rows before the stored state is rewritten as one */
  readonly docLogCompactRows: number;
  /** timeout of each socket request */
  readonly requestTimeoutMs: number;
  /**
   * How long after a rotation's signed time an envelope under the epoch it ended, from an
   * author whose chain head is before it, is still taken as one in flight when the rotation
   * was appended (push latency and clock skew) rather than as written by a member the
   * server kept from seeing the rotation (docs/design.md §12).
   */
  readonly staleHeadGraceMs: number;
  /** how often this device sends its signed heartbeat to each workspace it has open (docs/design.md §12) */
  readonly heartbeatIntervalMs: number;
}

/**
 * Defaults of {@link SyncConfig}. The merge window and the compaction threshold are set
 * from `npm run bench` (BENCHMARKS.md, "Merge window" and "Compaction threshold"):
 *
 * - merge window 0: at typing speed (keystrokes 150–300 ms apart) a 10 or 50 ms window
 *   merged nothing (about one envelope per edit either way) and only added its length to
 *   the latency. Merging still happens without it: updates of one event-loop turn go out
 *   together, and while a push is in flight the outbox pump merges everything queued
 *   behind it, so envelopes grow with load and round-trip time by themselves.
 * - compaction threshold 50: a cold open of a 10 000-edit document pays a durable local
 *   write and a signature check per trailing update; at 50 it opened about five times
 *   faster than at 200 and as fast as at 25, which seals twice the snapshots.
 */
export const DEFAULT_SYNC_CONFIG: SyncConfig = Object.freeze({
  mergeWindowMs: 0,
  compactionThreshold: 50,
  keyWaitMs: 10_000,
  compactionJitterMs: 1_000,
  gapFetchIntervalMs: 2_000,
  docLogCompactRows: 200,
  requestTimeoutMs: 15_000,
  staleHeadGraceMs: 120_000,
  heartbeatIntervalMs: 180_000,
});

/** The config with defaults filled in; throws RangeError for values that cannot work. */
export function resolveSyncConfig(partial: Partial<SyncConfig> | undefined): SyncConfig {
  const config = { ...DEFAULT_SYNC_CONFIG, ...partial };
  for (const [name, value] of Object.entries(config)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`sync config ${name} must be a non-negative integer`);
  }
  if (config.compactionThreshold < 1) throw new RangeError('sync config compactionThreshold must be at least 1');
  if (config.heartbeatIntervalMs < 100) throw new RangeError('sync config heartbeatIntervalMs must be at least 100');
  return config;
}
