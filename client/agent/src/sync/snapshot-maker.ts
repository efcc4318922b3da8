/**
 * Sealing snapshots of document streams (docs/design.md §6): when more than
 * `compactionThreshold` updates sit on the active snapshot, or the document holds content
 * sealed under an epoch older than the current one (after a rotation, members who only
 * hold the new key must still be able to read it), the full state is sealed as a snapshot
 * that extends the active one and names the clocks it covers. Of concurrent snapshots the
 * server keeps one; a loser catches up and adopts the winner's.
 */
import type { Logger } from 'pino';
import { sha256 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { MAX_PLAINTEXT_BYTES } from '@yhteispoyta/crypto/envelope';
import type { StoredResult } from '@yhteispoyta/crypto/protocol';
import type { EnvelopeHeader, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { KeyedQueue } from '@yhteispoyta/common/queue';
import type { LinkAck, ServerLink } from '../contracts';
import type { ProblemReporter } from '../streams/problem-reporter';
import type { HandlerRegistry } from './handler-registry';
import type { RelayRequests } from './relay-requests';
import type { Sealer } from './sealer';
import { expectedParentProof, newSnapshotId } from './snapshot-chain';
import type { StreamStateStore } from './stream-state';
import type { SyncConfig } from './sync-options';

/** Most snapshot attempts per trigger (a lost race, a duplicate id, a missed update). */
const MAX_ATTEMPTS = 3;
/**
 * A run that spent its attempts on lost races is tried again after this long, doubled for
 * each such run in a row (up to {@link RETRY_MAX_MS}): nothing else would start one before
 * the next edit or inbound update, and content left under an ended epoch must still move.
 */
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/**
 * How a run ended: `stored` its snapshot, `stopped` (offline, closed, nothing to seal, or
 * refused for good), or `exhausted` when every attempt lost a race or collided.
 */
type RunEnd = 'stored' | 'stopped' | 'exhausted';

type Step = 'done' | 'catch_up' | 'retry' | 'stop';

interface Sealed {
  readonly header: EnvelopeHeader;
  /** the header's parentProof: the new snapshot's own proof */
  readonly proof: Bytes;
  readonly envelope: WireEnvelope;
}

/** What snapshots are made with. */
export interface SnapshotDeps {
  /** whose `snapshotState` gives a stream's full state */
  readonly handlers: Pick<HandlerRegistry, 'handlerFor'>;
  readonly state: Pick<StreamStateStore, 'get' | 'clocks' | 'adoptSnapshot'>;
  readonly sealer: Pick<Sealer, 'gate' | 'header' | 'seal'>;
  readonly relay: Pick<RelayRequests, 'snapshot'>;
  readonly link: Pick<ServerLink, 'status'>;
  readonly lanes: Pick<KeyedQueue, 'run'>;
  /** a lost race catches the workspace up before judging again */
  catchUp(workspaceId: string): Promise<void>;
  readonly reporter: Pick<ProblemReporter, 'report'>;
  readonly config: Pick<SyncConfig, 'compactionThreshold' | 'compactionJitterMs'>;
  now(): number;
  readonly log: Logger;
}

/** Decides when streams with snapshots (documents) need one, and makes it. */
export class SnapshotMaker {
  readonly #deps: SnapshotDeps;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** runs in a row that spent their attempts, per stream key */
  readonly #exhausted = new Map<string, number>();
  #closed = false;

  /** Snapshots with `deps`. */
  constructor(deps: SnapshotDeps) {
    this.#deps = deps;
  }

  /** Schedule a snapshot of the stream if it needs one. */
  consider(workspaceId: string, stream: string): void {
    const key = `${workspaceId}\u0000${stream}`;
    if (this.#closed || this.#inFlight.has(key) || this.#timers.has(key) || !this.#needs(workspaceId, stream)) return;
    this.#schedule(key, workspaceId, stream, Math.floor(Math.random() * this.#deps.config.compactionJitterMs));
  }

  #schedule(key: string, workspaceId: string, stream: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.#start(key, workspaceId, stream);
    }, delayMs);
    this.#timers.set(key, timer);
  }

  /** Start scheduled snapshots now and wait for every snapshot in flight. */
  async flush(): Promise<void> {
    for (const [key, timer] of [...this.#timers]) {
      clearTimeout(timer);
      this.#timers.delete(key);
      const [workspaceId = '', stream = ''] = key.split('\u0000');
      this.#start(key, workspaceId, stream);
    }
    await Promise.all([...this.#inFlight.values()]);
  }

  /** Stop: cancel scheduled snapshots and wait for those in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#inFlight.values()]);
  }

  #start(key: string, workspaceId: string, stream: string): void {
    if (this.#inFlight.has(key)) return;
    const run = this.#run(workspaceId, stream)
      .catch((error: unknown): RunEnd => {
        this.#deps.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'snapshot failed');
        return 'stopped';
      })
      .then((end) => {
        this.#inFlight.delete(key);
        this.#afterRun(key, workspaceId, stream, end);
      });
    this.#inFlight.set(key, run);
  }

  /**
   * A run blocks `consider` while it lasts, so after a stored snapshot the updates that
   * arrived meanwhile are judged now; a run that spent its attempts is tried again after a
   * growing delay. A stopped run waits for the next trigger (a refusal would only repeat).
   */
  #afterRun(key: string, workspaceId: string, stream: string, end: RunEnd): void {
    if (this.#closed) return;
    if (end !== 'exhausted') {
      this.#exhausted.delete(key);
      if (end === 'stored') this.consider(workspaceId, stream);
      return;
    }
    const runs = (this.#exhausted.get(key) ?? 0) + 1;
    this.#exhausted.set(key, runs);
    if (this.#timers.has(key) || !this.#needs(workspaceId, stream)) return;
    const delay = Math.min(RETRY_BASE_MS * 2 ** (runs - 1), RETRY_MAX_MS);
    this.#deps.log.info({ workspaceId, stream, runs, delayMs: delay }, 'snapshot attempts spent; trying again later');
    this.#schedule(key, workspaceId, stream, delay);
  }

  #needs(workspaceId: string, stream: string): boolean {
    const gate = this.#deps.sealer.gate(workspaceId);
    if (!gate.ok || this.#deps.handlers.handlerFor(workspaceId, stream)?.snapshotState === undefined) return false;
    const row = this.#deps.state.get(workspaceId, stream);
    if (row.updatesOnSnapshot > this.#deps.config.compactionThreshold) return true;
    return row.oldestEpoch > 0 && row.oldestEpoch < gate.epoch;
  }

  async #run(workspaceId: string, stream: string): Promise<RunEnd> {
    const deps = this.#deps;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (this.#closed || deps.link.status() !== 'online') return 'stopped';
      const sealed = await deps.lanes.run(workspaceId, () => this.#seal(workspaceId, stream));
      if (sealed === undefined) return 'stopped';
      const res = await deps.relay.snapshot(sealed.envelope);
      if (this.#closed) return 'stopped';
      const step = await deps.lanes.run(workspaceId, () => this.#record(sealed, res));
      if (step === 'done') return 'stored';
      if (step === 'stop') return 'stopped';
      if (step === 'catch_up') await deps.catchUp(workspaceId);
    }
    return 'exhausted';
  }

  /** Seals the full state on the active snapshot, if a snapshot is still needed. Runs in the lane. */
  #seal(workspaceId: string, stream: string): Sealed | undefined {
    const deps = this.#deps;
    const gate = deps.sealer.gate(workspaceId);
    if (!gate.ok || !this.#needs(workspaceId, stream)) return undefined;
    // Looked up now, in the lane: a family that closed meanwhile has no state to give.
    const plaintext = deps.handlers.handlerFor(workspaceId, stream)?.snapshotState?.(workspaceId, stream);
    if (plaintext === undefined) return undefined;
    const row = deps.state.get(workspaceId, stream);
    const proof = expectedParentProof(row.active);
    const header = deps.sealer.header(gate, {
      workspaceId,
      stream,
      kind: 'snapshot',
      clock: 0,
      snapshotId: newSnapshotId(),
      parentSnapshotId: row.active.id,
      parentProof: proof,
      coveredClocks: deps.state.clocks(workspaceId, stream),
      sentAt: deps.now(),
    });
    if (plaintext.byteLength > MAX_PLAINTEXT_BYTES) {
      deps.reporter.report('too_large', { workspaceId, stream, detail: 'document state over the snapshot limit' });
      return undefined;
    }
    try {
      const envelope = deps.sealer.seal(gate, header, plaintext);
      return { header, proof, envelope };
    } catch (error) {
      deps.reporter.report('too_large', { workspaceId, stream, detail: error instanceof Error ? error.message : 'cannot seal' });
      return undefined;
    }
  }

  /** Applies the server's answer. Runs in the lane. */
  #record(sealed: Sealed, res: LinkAck<StoredResult>): Step {
    const deps = this.#deps;
    const { header, proof, envelope } = sealed;
    const where = { workspaceId: header.workspaceId, stream: header.stream };
    if (res.ok) {
      deps.state.adoptSnapshot(header.workspaceId, header.stream, {
        id: header.snapshotId,
        proof,
        ciphertextHash: sha256(envelope.ciphertext),
        epoch: header.epoch,
        seq: res.seq,
      });
      deps.log.info({ ...where, seq: res.seq }, 'snapshot stored');
      return 'done';
    }
    const { error } = res;
    if (error.code === 'offline') return 'stop';
    switch (error.code) {
      case 'stale_snapshot':
        // Another member's snapshot won, or updates arrived that ours lacks: catch up, then judge again.
        return 'catch_up';
      case 'conflict':
        return error.details?.['reason'] === 'duplicate_snapshot' ? 'retry' : 'stop';
      case 'rate_limited':
        return 'stop';
      case 'forbidden':
        deps.reporter.report('forbidden', { ...where, detail: 'snapshot refused: forbidden' });
        return 'stop';
      default:
        deps.reporter.report(error.code === 'too_large' ? 'too_large' : 'server_error', { ...where, detail: `snapshot refused: ${error.code}` });
        return 'stop';
    }
  }
}
