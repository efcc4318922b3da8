/**
 * Sends the outbox, one stream at a time and one envelope at a time per stream: each entry
 * is sealed only now, under the current epoch key, with the next clock and the active
 * snapshot, and leaves the outbox only when the server stored it. The server's refusals
 * are resolved where they can be (resync the clock, rebase on a new snapshot) and
 * reported where they cannot.
 */
import type { Logger } from 'pino';
import { clockDetailsSchema } from '@yhteispoyta/crypto/protocol';
import type { StoredResult } from '@yhteispoyta/crypto/protocol';
import type { EnvelopeHeader, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { KeyedQueue } from '@yhteispoyta/common/queue';
import type { LinkAck, ServerLink } from '../contracts';
import type { OutboxEntry } from '../streams/outbox-entry';
import type { ProblemReporter } from '../streams/problem-reporter';
import type { StreamHandler } from '../streams/stream-handler';
import type { WorkspaceCatchUp } from './catch-up';
import type { HandlerRegistry } from './handler-registry';
import type { Outbox } from './outbox';
import type { RelayRequests } from './relay-requests';
import type { Sealer } from './sealer';
import type { SnapshotMaker } from './snapshot-maker';
import type { StreamStateStore } from './stream-state';
import type { SyncStatusBoard } from './sync-status';

/** How many refusals in a row one entry may meet before the stream pauses until the next reconnect or flush. */
const MAX_ATTEMPTS = 4;
/** Wait before retrying after `rate_limited`. */
const RATE_LIMIT_BACKOFF_MS = 1000;
/** How many of the oldest entries are considered for merging into one envelope. */
const MERGE_CANDIDATES = 256;

type Step = 'next' | 'retry' | 'rebase' | 'backoff' | 'stop';

const streamKey = (workspaceId: string, stream: string): string => `${workspaceId}\u0000${stream}`;

/** What the outbox pump works with. */
export interface PumpDeps {
  readonly outbox: Outbox;
  readonly state: StreamStateStore;
  readonly handlers: Pick<HandlerRegistry, 'handlerFor'>;
  readonly sealer: Pick<Sealer, 'gate' | 'header' | 'seal' | 'selfKey'>;
  readonly relay: Pick<RelayRequests, 'push'>;
  readonly link: Pick<ServerLink, 'status'>;
  /** a push answered `stale_snapshot` rebases: the workspace is joined again (in its lane) */
  readonly rebase: Pick<WorkspaceCatchUp, 'join'>;
  readonly lanes: Pick<KeyedQueue, 'run'>;
  readonly transaction: <T>(work: () => T) => T;
  /**
   * settling an acknowledged entry: a commit that need not wait for the disk. A power loss
   * that undoes it leaves the entry queued with its clock, so it is sent again and the
   * server's clock_replay settles it (#record) — as when an acknowledgement is lost. Every
   * later durable commit (the next entry's, its clock's) syncs it anyway.
   */
  readonly settleTransaction: <T>(work: () => T) => T;
  /** workspaces refused with `forbidden`: nothing is pushed to them until membership changes */
  readonly blocked: Set<string>;
  readonly reporter: Pick<ProblemReporter, 'report'>;
  readonly status: Pick<SyncStatusBoard, 'changed'>;
  /** a stream that moved may be due a snapshot */
  readonly snapshots: Pick<SnapshotMaker, 'consider'>;
  now(): number;
  readonly log: Logger;
}

/** The outbox sender. */
export class OutboxPump {
  readonly #deps: PumpDeps;
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  #closed = false;

  /** Sends with `deps`. */
  constructor(deps: PumpDeps) {
    this.#deps = deps;
  }

  /** Start sending a stream's outbox (or make the running sender look again); resolves when it stops. */
  kick(workspaceId: string, stream: string): Promise<void> {
    const key = streamKey(workspaceId, stream);
    const running = this.#running.get(key);
    if (running !== undefined) {
      this.#again.add(key);
      return running;
    }
    const run = (async () => {
      try {
        do {
          this.#again.delete(key);
          await this.#drain(workspaceId, stream);
        } while (this.#again.has(key) && !this.#closed);
      } finally {
        this.#running.delete(key);
      }
    })();
    this.#running.set(key, run);
    return run;
  }

  /**
   * Called in the transaction that queued entry `id`: when this stream has no sender
   * running and the entry is all it has queued, take the entry's clock now, so that its
   * send needs no durable write of its own (the entry and its clock commit together). A
   * sender that is running, or older entries waiting, leave the entry to the sender: it
   * may merge it with others.
   */
  claim(workspaceId: string, stream: string, id: number): void {
    const core = this.#deps;
    if (this.#closed || this.#running.has(streamKey(workspaceId, stream)) || core.link.status() !== 'online' || core.blocked.has(workspaceId)) return;
    if (core.handlers.handlerFor(workspaceId, stream) === undefined || !core.sealer.gate(workspaceId).ok) return;
    // Just queued, so it has no sent clock yet; alone in its stream, nothing merges with it.
    if (!core.outbox.isOnlyEntry(workspaceId, stream, id)) return;
    core.outbox.setSentClock(id, core.state.clock(workspaceId, stream, core.sealer.selfKey).clock + 1);
  }

  /** Resolves when every running sender has stopped. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()]);
  }

  /** Stop: no new request starts; running senders stop at their next step. */
  close(): void {
    this.#closed = true;
  }

  async #drain(workspaceId: string, stream: string): Promise<void> {
    const core = this.#deps;
    let attempts = 0;
    while (!this.#closed && core.link.status() === 'online' && !core.blocked.has(workspaceId)) {
      const handler = core.handlers.handlerFor(workspaceId, stream);
      const gate = core.sealer.gate(workspaceId);
      if (handler === undefined || !gate.ok) return;
      const entry = this.#nextEntry(handler, workspaceId, stream);
      if (entry === undefined) return;
      const clock = entry.sentClock ?? core.state.clock(workspaceId, stream, core.sealer.selfKey).clock + 1;
      // Recorded before the send (durably, unless claim() did so with the entry): a send
      // cut off by a crash is repeated with the same clock and content, never merged.
      if (entry.sentClock !== clock) core.outbox.setSentClock(entry.id, clock);
      const header = core.sealer.header(gate, {
        workspaceId,
        stream,
        kind: entry.kind,
        clock,
        snapshotId: core.state.get(workspaceId, stream).active.id,
        sentAt: core.now(),
      });
      let envelope: WireEnvelope;
      try {
        envelope = core.sealer.seal(gate, header, entry.payload);
      } catch (error) {
        core.reporter.report('too_large', { workspaceId, stream, detail: error instanceof Error ? error.message : 'cannot seal' });
        this.#drop(handler, entry);
        continue;
      }
      const res = await core.relay.push(envelope);
      if (this.#closed) return;
      const step = await core.lanes.run(workspaceId, () => this.#record(handler, entry, header, res));
      if (step === 'stop') return;
      if (step === 'next') {
        attempts = 0;
        continue;
      }
      attempts += 1;
      if (attempts >= MAX_ATTEMPTS) {
        core.reporter.report('server_error', { workspaceId, stream, detail: 'the server kept refusing; sending paused until reconnect' });
        return;
      }
      if (step === 'rebase') await core.lanes.run(workspaceId, () => core.rebase.join(workspaceId));
      if (step === 'backoff') await new Promise((resolve) => setTimeout(resolve, RATE_LIMIT_BACKOFF_MS));
    }
  }

  /** The next entry to send: an entry in flight alone, else the unsent head merged as far as the handler merges. */
  #nextEntry(handler: StreamHandler, workspaceId: string, stream: string): OutboxEntry | undefined {
    const core = this.#deps;
    const head = core.outbox.head(workspaceId, stream, MERGE_CANDIDATES);
    const first = head[0];
    if (first === undefined || first.sentClock !== undefined) return first;
    const unsent: OutboxEntry[] = [];
    for (const entry of head) {
      if (entry.sentClock !== undefined) break;
      unsent.push(entry);
    }
    const merged = unsent.length > 1 ? handler.coalesce(unsent) : undefined;
    if (merged === undefined || merged.ids.length < 2) return first;
    const [keep, ...rest] = merged.ids;
    if (keep === undefined) return first;
    core.transaction(() => {
      core.outbox.replacePayload(keep, merged.payload);
      core.outbox.remove(rest);
    });
    return core.outbox.get(keep);
  }

  /** Applies the server's answer to a push. Runs in the workspace lane. */
  #record(handler: StreamHandler, entry: OutboxEntry, header: EnvelopeHeader, res: LinkAck<StoredResult>): Step {
    const core = this.#deps;
    const { workspaceId, stream } = entry;
    if (core.outbox.get(entry.id) === undefined) return 'next'; // settled meanwhile by a catch-up that returned it
    if (res.ok) {
      this.#stored(handler, entry, header, res.seq);
      return 'next';
    }
    const { error } = res;
    if (error.code === 'offline') return 'stop';
    const where = { workspaceId, stream, detail: `push refused: ${error.code}` };
    switch (error.code) {
      case 'clock_replay':
      case 'clock_gap': {
        const details = clockDetailsSchema.safeParse(error.details);
        if (!details.success) {
          core.reporter.report('server_error', where);
          return 'stop';
        }
        const expected = details.data.expected;
        // Only this device signs with its key: a replay of exactly our clock means the
        // server stored this very send and its acknowledgement was lost.
        if (error.code === 'clock_replay' && expected === header.clock + 1) {
          this.#stored(handler, entry, header, undefined);
          return 'next';
        }
        if (error.code === 'clock_gap') {
          core.reporter.report('clock_gap', {
            ...where,
            message:
              handler.lost === undefined
                ? 'The server has lost messages this device sent; sending continues from where the server stands.'
                : 'The server has lost messages this device sent; they are sent again.',
          });
        }
        core.transaction(() => {
          core.state.setClock(workspaceId, stream, core.sealer.selfKey, Math.max(0, expected - 1), 0);
          core.outbox.setSentClock(entry.id, undefined);
          // Acknowledged, yet not stored: the acknowledgements of expected..clock-1 were false.
          // A family that re-queues what was lost has it sent first, in its order, then this entry.
          if (error.code === 'clock_gap' && expected < header.clock && handler.lost !== undefined) {
            handler.lost(workspaceId, stream, expected, header.clock - 1);
            core.outbox.remove([entry.id]);
            core.outbox.add(workspaceId, stream, entry.kind, entry.payload, entry.createdAt);
          }
        });
        return 'retry';
      }
      case 'stale_snapshot':
        return 'rebase';
      case 'forbidden':
        core.reporter.report('forbidden', where);
        core.blocked.add(workspaceId);
        core.status.changed();
        return 'stop';
      case 'conflict':
        // Sealed under an epoch the server's chain is not at: wait for the KeyRing to catch up.
        core.log.info({ workspaceId, stream, code: error.code }, 'push waits for the epoch to settle');
        return 'stop';
      case 'rate_limited':
        return 'backoff';
      case 'too_large':
      case 'bad_request':
        core.reporter.report(error.code === 'too_large' ? 'too_large' : 'server_error', where);
        this.#drop(handler, entry);
        return 'next';
      default:
        core.reporter.report('server_error', where);
        return 'stop';
    }
  }

  #stored(handler: StreamHandler, entry: OutboxEntry, header: EnvelopeHeader, seq: number | undefined): void {
    const core = this.#deps;
    core.settleTransaction(() => {
      core.outbox.remove([entry.id]);
      core.state.setClock(entry.workspaceId, entry.stream, core.sealer.selfKey, header.clock, seq ?? 0);
      if (header.kind === 'update') core.state.countUpdate(entry.workspaceId, entry.stream, header.epoch);
      handler.acknowledged(entry, header.clock, seq);
    });
    core.status.changed();
    handler.afterApply(entry.workspaceId, entry.stream);
    core.snapshots.consider(entry.workspaceId, entry.stream);
  }

  #drop(handler: StreamHandler, entry: OutboxEntry): void {
    this.#deps.transaction(() => {
      this.#deps.outbox.remove([entry.id]);
      handler.dropped(entry);
    });
    this.#deps.status.changed();
  }
}
