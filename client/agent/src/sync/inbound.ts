/**
 * Received envelopes of one stream, in server order: verification, the clock rule, the
 * snapshot chain, and holding back what cannot be applied yet (a clock gap, a key that
 * has not arrived). Nothing that fails a check is applied; every failure is reported.
 * Callers hold the workspace's lane.
 */
import { bytesEqual, sha256 } from '@yhteispoyta/crypto/bytes';
import { MAX_FETCH_LIMIT } from '@yhteispoyta/crypto/protocol';
import type { StoredEnvelope, StreamCatchUp, StreamPosition } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { EnvelopeHeader } from '@yhteispoyta/crypto/types';
import { judgeEnvelopeClock } from '@yhteispoyta/crypto/stream-rules';
import type { Logger } from 'pino';
import type { KeyedQueue } from '@yhteispoyta/common/queue';
import { BackoffTimers, MAX_REPAIR_RETRY_MS, MIN_REPAIR_RETRY_MS } from '../backoff-timers';
import type { ProblemReporter } from '../streams/problem-reporter';
import type { InboundEnvelope, StreamHandler } from '../streams/stream-handler';
import type { CheckedEnvelope } from './envelope-check';
import type { HandlerRegistry } from './handler-registry';
import type { Outbox } from './outbox';
import type { RelayRequests } from './relay-requests';
import { RejectedRechecks } from './rejected-rechecks';
import type { SnapshotMaker } from './snapshot-maker';
import { judgeSnapshotLink } from './snapshot-chain';
import type { StreamStateStore } from './stream-state';
import type { SyncConfig } from './sync-options';
import type { SyncStatusBoard } from './sync-status';

/** Most fetch pages one gap repair reads. */
const MAX_FETCH_PAGES = 20;

/** An envelope held back until it can be applied. */
interface Held {
  readonly item: StoredEnvelope;
  readonly reason: 'gap' | 'no_key';
  readonly header: EnvelopeHeader;
}

type Outcome = { readonly kind: 'applied' | 'done' } | { readonly kind: 'held'; readonly held: Held };

const laneKey = (workspaceId: string, stream: string): string => `${workspaceId}\u0000${stream}`;

/** What inbound processing works with. */
export interface InboundDeps {
  readonly state: StreamStateStore;
  /** our own envelopes coming back settle their outbox entries */
  readonly outbox: Pick<Outbox, 'bySentClock' | 'remove'>;
  readonly handlers: Pick<HandlerRegistry, 'handlerFor'>;
  /** verification against this device's view of the workspace (envelope-check.ts) */
  readonly verify: (workspaceId: string, stream: string, envelope: unknown) => CheckedEnvelope;
  readonly relay: Pick<RelayRequests, 'fetch'>;
  /** later repairs run in the workspace's lane */
  readonly lanes: Pick<KeyedQueue, 'run'>;
  /**
   * Inbound writes record only what the server keeps and hands out again (envelopes and
   * where this device stands in them), so their commits need not wait for the disk: the
   * sync engine passes `ProfileDb.refetchableTransaction`.
   */
  readonly transaction: <T>(work: () => T) => T;
  readonly reporter: Pick<ProblemReporter, 'report'>;
  readonly status: Pick<SyncStatusBoard, 'changed'>;
  /** a stream that moved may be due a snapshot */
  readonly snapshots: Pick<SnapshotMaker, 'consider'>;
  /** this device's `userId.deviceId` */
  readonly selfKey: string;
  readonly config: Pick<SyncConfig, 'gapFetchIntervalMs' | 'keyWaitMs'>;
  now(): number;
  readonly log: Logger;
}

/** Inbound processing of stored envelopes. */
export class Inbound {
  readonly #deps: InboundDeps;
  readonly #held = new Map<string, Map<number, Held>>();
  readonly #lastGapFetch = new Map<string, number>();
  readonly #gapReported = new Map<string, number>();
  readonly #keyWaits = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #gapRetries = new BackoffTimers(MAX_REPAIR_RETRY_MS);
  readonly #rechecks: RejectedRechecks;
  /**
   * Per author and stream, the clock and signature of the last envelope applied (memory
   * only). The server fans an envelope out while it is still committing it; a server
   * that dies in between never acknowledged it, so the author seals the same clock again
   * (same content, new signature) and the server stores it under a new seq. That is a
   * re-seal, applied already: skipped quietly. The very same envelope under a new seq is
   * still a replay.
   */
  readonly #lastApplied = new Map<string, { readonly clock: number; readonly signature: Uint8Array }>();
  #closed = false;

  /** Processes envelopes with `deps`. */
  constructor(deps: InboundDeps) {
    this.#deps = deps;
    this.#rechecks = new RejectedRechecks(deps, (workspaceId, stream, items) => this.process(workspaceId, stream, items, true));
  }

  /** Where this device stands in a stream, for `join`: never past an envelope it still holds back. */
  position(workspaceId: string, stream: string): StreamPosition {
    const row = this.#deps.state.get(workspaceId, stream);
    let afterSeq = row.lastSeq;
    for (const seq of this.#held.get(laneKey(workspaceId, stream))?.keys() ?? []) afterSeq = Math.min(afterSeq, seq - 1);
    return { snapshotId: row.active.id, afterSeq: Math.max(0, afterSeq) };
  }

  /** Envelopes currently held back in a stream. */
  heldCount(workspaceId: string, stream: string): number {
    return this.#held.get(laneKey(workspaceId, stream))?.size ?? 0;
  }

  /**
   * Processes stored envelopes of a stream together with what is held back for it, in seq
   * order, repeating while progress unblocks held envelopes. A clock gap is reported and,
   * when `mayFetch`, repaired with `fetch` from the author's last position; a gap still
   * held afterwards is tried again later by itself (`retrying`: such a later attempt,
   * which does not report the gap again).
   */
  async process(workspaceId: string, stream: string, items: readonly StoredEnvelope[], mayFetch: boolean, retrying = false): Promise<void> {
    const handler = this.#deps.handlers.handlerFor(workspaceId, stream);
    if (handler === undefined || this.#closed) return;
    const key = laneKey(workspaceId, stream);
    const queue = new Map<number, StoredEnvelope>();
    for (const held of this.#held.get(key)?.values() ?? []) queue.set(held.item.seq, held.item);
    for (const item of items) if (!queue.has(item.seq)) queue.set(item.seq, item);
    this.#held.delete(key);

    let pending = [...queue.values()].sort((a, b) => a.seq - b.seq);
    const held = new Map<number, Held>();
    // The whole batch in one transaction: one commit however many envelopes it holds
    // (each envelope's own writes are a savepoint inside it). An envelope that throws
    // undoes only its own writes; what was applied before it is committed, and the error
    // goes on once the batch is. A batch of one envelope (every live notice) needs no
    // savepoint: when it throws, the transaction rolls back whole, which is the same.
    const single = queue.size === 1;
    let failure: { readonly error: unknown } | undefined;
    this.#deps.transaction(() => {
      for (let round = 0; pending.length > 0 && round < 1000; round++) {
        let progress = false;
        held.clear();
        for (const item of pending) {
          let outcome: Outcome;
          if (single) {
            outcome = this.#processOne(handler, workspaceId, stream, item);
          } else {
            try {
              outcome = this.#deps.transaction(() => this.#processOne(handler, workspaceId, stream, item));
            } catch (error) {
              failure = { error };
              return;
            }
          }
          if (outcome.kind === 'held') held.set(item.seq, outcome.held);
          else if (outcome.kind === 'applied') progress = true;
        }
        if (!progress || held.size === 0) break;
        pending = [...held.values()].map((h) => h.item);
      }
    });
    if (failure !== undefined) throw failure.error;
    if (held.size > 0) this.#held.set(key, new Map(held));
    if (queue.size > 0) {
      handler.afterApply(workspaceId, stream);
      this.#deps.snapshots.consider(workspaceId, stream);
    }
    this.#rechecks.schedule(workspaceId, stream);
    const gaps = [...held.values()].filter((h) => h.reason === 'gap');
    if (gaps.length === 0) {
      this.#settleGapRetry(workspaceId, stream);
      return;
    }
    if (!retrying) this.#reportGaps(workspaceId, stream, gaps);
    if (mayFetch && this.#mayFetch(key)) {
      const afterSeq = Math.min(...gaps.map((g) => this.#deps.state.clock(workspaceId, stream, deviceKey(g.header.author)).seq));
      const fetched = await this.fetchAfter(workspaceId, stream, afterSeq);
      if (fetched.length > 0) await this.process(workspaceId, stream, fetched, false, retrying);
    }
    this.#settleGapRetry(workspaceId, stream);
  }

  /**
   * Processes a stream's part of a join answer. The server names the stream's active
   * snapshot when it differs from ours; naming an authentic snapshot this device adopted
   * before, and has since moved past, is a rollback: reported, and nothing of that
   * answer is applied (its envelopes build on the old snapshot).
   */
  async catchUp(workspaceId: string, stream: string, catchUp: StreamCatchUp): Promise<void> {
    const offered = catchUp.snapshot;
    if (offered !== null && this.#deps.handlers.handlerFor(workspaceId, stream) !== undefined) {
      const checked = this.#deps.verify(workspaceId, stream, offered.envelope);
      const active = this.#deps.state.get(workspaceId, stream).active;
      if (
        checked.status === 'ok' &&
        checked.header.kind === 'snapshot' &&
        checked.header.snapshotId !== active.id &&
        this.#deps.state.knownSnapshot(workspaceId, stream, checked.header.snapshotId) !== undefined
      ) {
        this.#deps.reporter.report('snapshot_chain', {
          workspaceId,
          stream,
          message: 'The server presented an older document snapshot as the current one (a rollback); it was not applied.',
          detail: `offered ${checked.header.snapshotId}, active ${active.id}`,
        });
        return;
      }
    }
    await this.process(workspaceId, stream, offered === null ? catchUp.envelopes : [offered, ...catchUp.envelopes], true);
  }

  /** Re-runs everything held back in a workspace (a key or the membership changed). */
  async retryHeld(workspaceId: string): Promise<void> {
    for (const key of [...this.#held.keys()]) {
      const [ws = '', stream = ''] = key.split('\u0000');
      if (ws === workspaceId) await this.process(ws, stream, [], false);
    }
  }

  /** Stored envelopes of a stream after a seq, page by page; stops at the first failure (reported unless offline). */
  async fetchAfter(workspaceId: string, stream: string, afterSeq: number): Promise<StoredEnvelope[]> {
    const out: StoredEnvelope[] = [];
    let cursor = afterSeq;
    for (let page = 0; page < MAX_FETCH_PAGES && !this.#closed; page++) {
      const res = await this.#deps.relay.fetch(workspaceId, stream, cursor, MAX_FETCH_LIMIT);
      if (!res.ok) {
        if (res.error.code !== 'offline') {
          this.#deps.reporter.report(res.error.code === 'forbidden' ? 'forbidden' : 'server_error', {
            workspaceId,
            stream,
            detail: `fetch refused: ${res.error.code}`,
          });
        }
        break;
      }
      out.push(...res.envelopes);
      const last = res.envelopes.at(-1);
      if (res.envelopes.length < MAX_FETCH_LIMIT || last === undefined || last.seq <= cursor) break;
      cursor = last.seq;
    }
    return out;
  }

  /** Stops: nothing more is processed; timers are cancelled. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#keyWaits.values()) clearTimeout(timer);
    this.#keyWaits.clear();
    this.#gapRetries.close();
    this.#rechecks.close();
  }

  /**
   * After processing a stream: while a gap is still held, make sure a later repair is
   * scheduled (backing off while it keeps failing; the server withheld the envelope or
   * was offline, and nothing else would look again until the same author sends more);
   * once none is held, forget the backoff.
   */
  #settleGapRetry(workspaceId: string, stream: string): void {
    const key = laneKey(workspaceId, stream);
    if (![...(this.#held.get(key)?.values() ?? [])].some((h) => h.reason === 'gap')) {
      this.#gapRetries.reset(key);
      return;
    }
    if (this.#closed) return;
    this.#gapRetries.schedule(key, Math.max(MIN_REPAIR_RETRY_MS, this.#deps.config.gapFetchIntervalMs), () => {
      void this.#deps.lanes
        .run(workspaceId, () => this.process(workspaceId, stream, [], true, true))
        .catch((error: unknown) => this.#deps.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'gap repair failed'));
    });
  }

  /** One envelope; runs inside {@link process}'s transaction (or its savepoint for this envelope), which makes its writes one. */
  #processOne(handler: StreamHandler, workspaceId: string, stream: string, item: StoredEnvelope): Outcome {
    const core = this.#deps;
    const checked = core.verify(workspaceId, stream, item.envelope);
    switch (checked.status) {
      case 'rejected':
        core.reporter.report(checked.code, {
          workspaceId,
          stream,
          ...(checked.author === undefined ? {} : { device: checked.author }),
          detail: `seq ${item.seq}: ${checked.detail}`,
        });
        core.state.advanceSeq(workspaceId, stream, item.seq);
        this.#rechecks.note(workspaceId, stream, item);
        return { kind: 'done' };
      case 'stale':
        core.reporter.report(checked.code, { workspaceId, stream, device: checked.header.author, detail: `seq ${item.seq}: ${checked.detail}` });
        // Authentic: its clock is spent even though its content is refused, so the author's next one is no gap.
        if (checked.header.kind !== 'snapshot') core.state.raiseClock(workspaceId, stream, deviceKey(checked.header.author), checked.header.clock, item.seq);
        core.state.advanceSeq(workspaceId, stream, item.seq);
        return { kind: 'done' };
      case 'no_key':
        this.#awaitKey(workspaceId, stream, checked.header.epoch);
        return { kind: 'held', held: { item, reason: 'no_key', header: checked.header } };
      case 'before_join':
        return this.#clockOnly(workspaceId, stream, item, checked.header);
      case 'ok':
        break;
    }
    const { header, plaintext } = checked;
    if (!handler.kinds.includes(header.kind)) {
      core.reporter.report('malformed', { workspaceId, stream, device: header.author, detail: `a ${header.kind} envelope on ${stream}` });
      core.state.advanceSeq(workspaceId, stream, item.seq);
      return { kind: 'done' };
    }
    const inbound: InboundEnvelope = { workspaceId, stream, seq: item.seq, header, plaintext };
    if (header.kind === 'snapshot') return this.#snapshot(handler, inbound, item);
    const authorKey = deviceKey(header.author);
    const own = authorKey === core.selfKey;
    const verdict = judgeEnvelopeClock({
      clock: header.clock,
      lastClock: core.state.clock(workspaceId, stream, authorKey).clock,
      seq: item.seq,
      lastSeq: core.state.get(workspaceId, stream).lastSeq,
      own,
    });
    switch (verdict) {
      case 'gap':
        return { kind: 'held', held: { item, reason: 'gap', header } };
      case 'duplicate':
        core.state.advanceSeq(workspaceId, stream, item.seq);
        return { kind: 'done' };
      case 'replay':
        if (!this.#resealed(workspaceId, stream, authorKey, header.clock, item.envelope.signature)) {
          core.reporter.report('replay', { workspaceId, stream, device: header.author, detail: `clock ${header.clock} at seq ${item.seq}` });
        }
        core.state.advanceSeq(workspaceId, stream, item.seq);
        return { kind: 'done' };
      case 'echo':
        handler.echo(inbound);
        core.state.advanceSeq(workspaceId, stream, item.seq);
        return { kind: 'done' };
      case 'apply':
        break;
    }
    const invalid = handler.validate(inbound);
    if (invalid === undefined) handler.apply(inbound);
    core.state.setClock(workspaceId, stream, authorKey, header.clock, item.seq);
    if (header.kind === 'update') core.state.countUpdate(workspaceId, stream, header.epoch, item.seq);
    else core.state.advanceSeq(workspaceId, stream, item.seq);
    // Our own envelope, stored although its acknowledgement never reached us.
    const inFlight = own ? core.outbox.bySentClock(workspaceId, stream, header.clock) : undefined;
    if (inFlight !== undefined) {
      core.outbox.remove([inFlight.id]);
      handler.acknowledged(inFlight, header.clock, item.seq);
    }
    if (invalid !== undefined) {
      core.reporter.report('malformed', { workspaceId, stream, device: header.author, detail: `seq ${item.seq}: ${invalid}` });
    }
    this.#lastApplied.set(`${laneKey(workspaceId, stream)}\u0000${authorKey}`, { clock: header.clock, signature: item.envelope.signature });
    core.status.changed();
    return { kind: 'applied' };
  }

  /** Whether an envelope of an already applied clock is its author's re-seal of the last one applied (see #lastApplied). */
  #resealed(workspaceId: string, stream: string, authorKey: string, clock: number, signature: Uint8Array): boolean {
    const last = this.#lastApplied.get(`${laneKey(workspaceId, stream)}\u0000${authorKey}`);
    return last !== undefined && last.clock === clock && !bytesEqual(last.signature, signature);
  }

  /** An envelope from before this device joined: its clock counts, its content is unreadable by design. */
  #clockOnly(workspaceId: string, stream: string, item: StoredEnvelope, header: EnvelopeHeader): Outcome {
    const core = this.#deps;
    if (header.kind === 'snapshot') {
      core.state.advanceSeq(workspaceId, stream, item.seq);
      return { kind: 'done' };
    }
    const authorKey = deviceKey(header.author);
    const verdict = judgeEnvelopeClock({
      clock: header.clock,
      lastClock: core.state.clock(workspaceId, stream, authorKey).clock,
      seq: item.seq,
      lastSeq: core.state.get(workspaceId, stream).lastSeq,
      own: authorKey === core.selfKey,
    });
    if (verdict === 'gap') return { kind: 'held', held: { item, reason: 'gap', header } };
    if (verdict === 'replay') {
      core.reporter.report('replay', { workspaceId, stream, device: header.author, detail: `clock ${header.clock} at seq ${item.seq}` });
    }
    if (verdict === 'apply') core.state.setClock(workspaceId, stream, authorKey, header.clock, item.seq);
    core.state.advanceSeq(workspaceId, stream, item.seq);
    return { kind: verdict === 'apply' ? 'applied' : 'done' };
  }

  #snapshot(handler: StreamHandler, inbound: InboundEnvelope, item: StoredEnvelope): Outcome {
    const core = this.#deps;
    const { workspaceId, stream, header } = inbound;
    const row = core.state.get(workspaceId, stream);
    const link = judgeSnapshotLink(header, row.active, (id) => core.state.knownSnapshot(workspaceId, stream, id));
    if (link.verdict === 'known') {
      core.state.advanceSeq(workspaceId, stream, item.seq);
      return { kind: 'done' };
    }
    if (link.verdict === 'broken') {
      core.reporter.report('snapshot_chain', { workspaceId, stream, device: header.author, detail: link.detail });
      core.state.advanceSeq(workspaceId, stream, item.seq);
      return { kind: 'done' };
    }
    const invalid = handler.validate(inbound);
    if (invalid !== undefined) {
      core.reporter.report('malformed', { workspaceId, stream, device: header.author, detail: `snapshot: ${invalid}` });
      core.state.advanceSeq(workspaceId, stream, item.seq);
      return { kind: 'done' };
    }
    if (link.verdict === 'unverifiable' && row.active.id !== '') {
      core.log.info({ workspaceId, stream }, 'adopting a snapshot whose parent this device never saw (it missed snapshots)');
    }
    handler.applySnapshot(inbound);
    core.state.adoptSnapshot(workspaceId, stream, {
      id: header.snapshotId,
      proof: header.parentProof ?? new Uint8Array(new ArrayBuffer(32)),
      ciphertextHash: sha256(item.envelope.ciphertext),
      epoch: header.epoch,
      seq: item.seq,
    });
    // What the snapshot covers is in its state; our own clock stays ours to track.
    for (const [author, clock] of Object.entries(header.coveredClocks ?? {})) {
      if (author !== core.selfKey) core.state.raiseClock(workspaceId, stream, author, clock, item.seq);
    }
    return { kind: 'applied' };
  }

  #reportGaps(workspaceId: string, stream: string, gaps: readonly Held[]): void {
    const now = this.#deps.now();
    // Only recent reports matter for the rate limit; forget the rest rather than grow forever.
    if (this.#gapReported.size > 1000) this.#gapReported.clear();
    const seen = new Set<string>();
    for (const gap of gaps) {
      const authorKey = deviceKey(gap.header.author);
      if (seen.has(authorKey)) continue;
      seen.add(authorKey);
      const expected = this.#deps.state.clock(workspaceId, stream, authorKey).clock + 1;
      const key = `${workspaceId}\u0000${stream}\u0000${authorKey}\u0000${expected}`;
      const last = this.#gapReported.get(key);
      if (last !== undefined && now - last < this.#deps.config.gapFetchIntervalMs) continue;
      this.#gapReported.set(key, now);
      this.#deps.reporter.report('clock_gap', {
        workspaceId,
        stream,
        device: gap.header.author,
        detail: `expected clock ${expected}, received ${gap.header.clock}`,
      });
    }
  }

  #mayFetch(key: string): boolean {
    const now = this.#deps.now();
    if (this.#lastGapFetch.size > 1000) this.#lastGapFetch.clear();
    const last = this.#lastGapFetch.get(key);
    if (last !== undefined && now - last < this.#deps.config.gapFetchIntervalMs) return false;
    this.#lastGapFetch.set(key, now);
    return true;
  }

  /** After keyWaitMs, report the epoch as missing if envelopes still wait for it. */
  #awaitKey(workspaceId: string, stream: string, epoch: number): void {
    const key = `${workspaceId}\u0000${stream}\u0000${epoch}`;
    if (this.#keyWaits.has(key)) return;
    const timer = setTimeout(() => {
      this.#keyWaits.delete(key);
      if (this.#closed) return;
      const waiting = [...(this.#held.get(laneKey(workspaceId, stream))?.values() ?? [])].some(
        (h) => h.reason === 'no_key' && h.header.epoch === epoch,
      );
      if (waiting) {
        this.#deps.reporter.report('unknown_epoch', { workspaceId, stream, detail: `no key for epoch ${epoch} after waiting` });
      }
    }, this.#deps.config.keyWaitMs);
    timer.unref();
    this.#keyWaits.set(key, timer);
  }
}
