/**
 * Sends the outbox, one stream at a time and one envelope at a time per stream: each entry
 * is sealed only now, under the current epoch key, with the next clock and the active
 * snapshot, and leaves the outbox only when the server stored it. The server's refusals
 * are resolved where they can be (resync the clock, rebase on a new snapshot) and
 * reported where they cannot.
 */
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { clockDetailsSchema } from '@yhteispoyta/crypto/protocol';
import type { Ack, StoredResult } from '@yhteispoyta/crypto/protocol';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { EnvelopeHeader, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { EngineCore } from './engine-core';
import { isOfflineFailure, sendGate } from './engine-core';
import type { OutboxEntry } from './outbox';
import type { StreamHandler } from './stream-handler';

/** How many refusals in a row one entry may meet before the stream pauses until the next reconnect or flush. */
const MAX_ATTEMPTS = 4;
/** Wait before retrying after `rate_limited`. */
const RATE_LIMIT_BACKOFF_MS = 1000;
/** How many of the oldest entries are considered for merging into one envelope. */
const MERGE_CANDIDATES = 256;

type Step = 'next' | 'retry' | 'rebase' | 'backoff' | 'stop';

/** Catch-up of one workspace, run by the engine in the workspace lane. */
export type CatchUp = (workspaceId: string) => Promise<void>;

/** The outbox sender. */
export class OutboxPump {
  readonly #core: EngineCore;
  readonly #catchUp: CatchUp;
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();

  /** Sends for the engine sharing `core`; `catchUp` rebases after stale_snapshot. */
  constructor(core: EngineCore, catchUp: CatchUp) {
    this.#core = core;
    this.#catchUp = catchUp;
  }

  /** Start sending a stream's outbox (or make the running sender look again); resolves when it stops. */
  kick(workspaceId: string, stream: string): Promise<void> {
    const key = `${workspaceId}\u0000${stream}`;
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
        } while (this.#again.has(key) && !this.#core.isClosed());
      } finally {
        this.#running.delete(key);
      }
    })();
    this.#running.set(key, run);
    return run;
  }

  /** Resolves when every running sender has stopped. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()]);
  }

  async #drain(workspaceId: string, stream: string): Promise<void> {
    const core = this.#core;
    let attempts = 0;
    while (!core.isClosed() && core.link.status() === 'online' && !core.blocked.has(workspaceId)) {
      const handler = core.handlerFor(workspaceId, stream);
      const gate = sendGate(core, workspaceId);
      if (handler === undefined || !gate.ok) return;
      const entry = this.#nextEntry(handler, workspaceId, stream);
      if (entry === undefined) return;
      const clock = entry.sentClock ?? core.state.clock(workspaceId, stream, core.selfKey).clock + 1;
      core.outbox.setSentClock(entry.id, clock);
      const header: EnvelopeHeader = {
        v: PROTOCOL_VERSION,
        workspaceId,
        stream,
        kind: entry.kind,
        epoch: gate.epoch,
        author: core.device.self,
        clock,
        snapshotId: core.state.get(workspaceId, stream).active.id,
        sentAt: core.now(),
      };
      let envelope: WireEnvelope;
      try {
        envelope = sealEnvelope({ header, plaintext: entry.payload, epochKey: gate.key, identityKey: core.device.identityKey });
      } catch (error) {
        core.reporter.report('too_large', { workspaceId, stream, detail: error instanceof Error ? error.message : 'cannot seal' });
        this.#drop(handler, entry);
        continue;
      }
      const res = await core.link.request('push', { envelope }, core.config.requestTimeoutMs);
      if (core.isClosed()) return;
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
      if (step === 'rebase') await core.lanes.run(workspaceId, () => this.#catchUp(workspaceId));
      if (step === 'backoff') await new Promise((resolve) => setTimeout(resolve, RATE_LIMIT_BACKOFF_MS));
    }
  }

  /** The next entry to send: an entry in flight alone, else the unsent head merged as far as the handler merges. */
  #nextEntry(handler: StreamHandler, workspaceId: string, stream: string): OutboxEntry | undefined {
    const core = this.#core;
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
    core.profile.transaction(() => {
      core.outbox.replacePayload(keep, merged.payload);
      core.outbox.remove(rest);
    });
    return core.outbox.get(keep);
  }

  /** Applies the server's answer to a push. Runs in the workspace lane. */
  #record(handler: StreamHandler, entry: OutboxEntry, header: EnvelopeHeader, res: Ack<StoredResult>): Step {
    const core = this.#core;
    const { workspaceId, stream } = entry;
    if (core.outbox.get(entry.id) === undefined) return 'next'; // settled meanwhile by a catch-up that returned it
    if (res.ok) {
      this.#stored(handler, entry, header, res.seq);
      return 'next';
    }
    const { error } = res;
    if (isOfflineFailure(error)) return 'stop';
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
            message: 'The server has lost messages this device sent; sending continues from where the server stands.',
          });
        }
        core.profile.transaction(() => {
          core.state.setClock(workspaceId, stream, core.selfKey, Math.max(0, expected - 1), 0);
          core.outbox.setSentClock(entry.id, undefined);
        });
        return 'retry';
      }
      case 'stale_snapshot':
        return 'rebase';
      case 'forbidden':
        core.reporter.report('forbidden', where);
        core.blocked.add(workspaceId);
        core.statusChanged();
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
    const core = this.#core;
    core.profile.transaction(() => {
      core.outbox.remove([entry.id]);
      core.state.setClock(entry.workspaceId, entry.stream, core.selfKey, header.clock, seq ?? 0);
      if (header.kind === 'update') core.state.countUpdate(entry.workspaceId, entry.stream, header.epoch);
      handler.acknowledged(entry, header.clock, seq);
    });
    core.statusChanged();
    handler.afterApply(entry.workspaceId, entry.stream);
  }

  #drop(handler: StreamHandler, entry: OutboxEntry): void {
    this.#core.profile.transaction(() => {
      this.#core.outbox.remove([entry.id]);
      handler.dropped(entry);
    });
    this.#core.statusChanged();
  }
}
