/**
 * The sync engine: follows workspaces on the server link, catches up on every
 * (re)connection, processes live envelopes, sends the outbox, compacts streams with
 * snapshots, carries presence, and publishes its status. Families of streams (documents,
 * chat) plug in through {@link SyncEngine.context}: a narrow {@link StreamContext}, never
 * the engine itself. The parts below get only what each uses.
 */
import type { Logger } from 'pino';
import type { StoredEnvelope } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import { StreamCiphers } from '@yhteispoyta/crypto/envelope';
import { KeyedQueue } from '@yhteispoyta/common/queue';
import type { KeyRing, LocalDevice, ProblemSink, ServerLink } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import { moduleLogger } from '../streams/module-logger';
import { ProblemReporter } from '../streams/problem-reporter';
import type { StreamContext } from '../streams/stream-context';
import { WorkspaceCatchUp } from './catch-up';
import { checkEnvelope } from './envelope-check';
import { HandlerRegistry } from './handler-registry';
import { Inbound } from './inbound';
import { Outbox } from './outbox';
import { OutboxPump } from './outbox-pump';
import { Heartbeats } from './heartbeats';
import type { LogHeadHooks } from './heartbeats';
import { PresenceChannel } from './presence-channel';
import { RelayRequests } from './relay-requests';
import { Sealer } from './sealer';
import { SnapshotMaker } from './snapshot-maker';
import { StreamStateStore } from './stream-state';
import { SYNC_MIGRATIONS } from './sync-schema';
import type { SyncConfig } from './sync-options';
import { SyncStatusBoard } from './sync-status';

/** What the engine is built on (the contracts.ts seams it consumes). */
export interface EngineDeps {
  readonly link: ServerLink;
  readonly keys: KeyRing;
  readonly device: LocalDevice;
  readonly problems: ProblemSink;
  /** the open profile; the engine applies its `sync` migrations to it */
  readonly profile: ProfileDb;
  readonly config: SyncConfig;
  /** parent logger; each module takes a child named after itself */
  readonly logger?: Logger;
  /** ms since epoch; tests may move it */
  readonly now?: () => number;
  /** the transparency log's side of the heartbeat: the head this device carries, where peers' heads go (default none) */
  readonly logHeads?: LogHeadHooks;
}

/** The engine shared by the documents and the chat of one profile. */
export class SyncEngine {
  /** the status the UI shows */
  readonly status: Pick<SyncStatusBoard, 'status' | 'onStatus'>;
  /** encrypted presence of the followed workspaces */
  readonly presence: Pick<PresenceChannel, 'send' | 'onPresence'>;
  readonly #deps: EngineDeps;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #state: StreamStateStore;
  readonly #outbox: Outbox;
  readonly #lanes = new KeyedQueue();
  /** envelope notices waiting for their workspace's lane, by workspace and stream */
  readonly #arrived = new Map<string, Map<string, StoredEnvelope[]>>();
  readonly #handlers = new HandlerRegistry();
  readonly #blocked = new Set<string>();
  readonly #followed = new Set<string>();
  readonly #board: SyncStatusBoard;
  readonly #presence: PresenceChannel;
  readonly #heartbeats: Heartbeats;
  readonly #reporter: ProblemReporter;
  readonly #inbound: Inbound;
  readonly #catchUp: WorkspaceCatchUp;
  readonly #pump: OutboxPump;
  readonly #snapshots: SnapshotMaker;
  readonly #unsubscribe: (() => void)[] = [];
  #closed = false;

  /** Builds the engine on an open profile (applies the `sync` migrations) and subscribes to the link and the KeyRing. */
  constructor(deps: EngineDeps) {
    this.#deps = deps;
    const { link, keys, device, profile, config } = deps;
    const log = (module: string): Logger => moduleLogger(deps.logger, module);
    this.#log = log('sync/engine');
    this.#now = deps.now ?? (() => Date.now());
    profile.migrate(SYNC_MIGRATIONS);
    const state = (this.#state = new StreamStateStore(profile));
    const outbox = (this.#outbox = new Outbox(profile));
    const reporter = (this.#reporter = new ProblemReporter(deps.problems, log('sync/problems')));
    // HKDF and the AES key schedule once per epoch key and stream, for sealing and opening alike.
    const ciphers = new StreamCiphers();
    const sealer = new Sealer(keys, device, ciphers);
    const relay = new RelayRequests(link, config.requestTimeoutMs);
    const lanes = this.#lanes;
    const handlers = this.#handlers;
    const now = this.#now;
    const transaction = <T>(work: () => T): T => profile.transaction(work);
    const verify = (workspaceId: string, stream: string, envelope: unknown) => checkEnvelope({ keys, state, ciphers }, workspaceId, stream, envelope, config.staleHeadGraceMs);
    // Built bottom-up: snapshots before inbound and the pump (both tell them a stream moved),
    // the catch-up before the pump (which rebases through it). Each part is typed by the
    // slice of these it uses (its *Deps interface).
    const board = (this.#board = new SyncStatusBoard({ link, pending: () => outbox.count(), syncing: () => this.#catchUp.syncing() }, this.#log));
    this.status = board;
    const snapshots = (this.#snapshots = new SnapshotMaker({
      handlers, state, sealer, relay, link, lanes, reporter, now,
      catchUp: (workspaceId) => this.#catchUpWorkspace(workspaceId),
      config, log: log('sync/snapshots'),
    }));
    // Received envelopes, and the settling of acknowledged sends, commit without waiting for
    // the disk: the server keeps what they record (profile-db.ts, outbox-pump.ts).
    const refetchable = <T>(work: () => T): T => profile.refetchableTransaction(work);
    const inbound = (this.#inbound = new Inbound({
      state, outbox, handlers, verify, relay, lanes, transaction: refetchable, reporter, snapshots, now, config,
      status: board, selfKey: sealer.selfKey, log: log('sync/inbound'),
    }));
    const catchUp = (this.#catchUp = new WorkspaceCatchUp({ relay, inbound, handlers, sealer, blocked: this.#blocked, reporter, status: board }));
    this.#pump = new OutboxPump({
      outbox, state, handlers, sealer, relay, link, rebase: catchUp, lanes, transaction, settleTransaction: refetchable, blocked: this.#blocked,
      reporter, status: board, snapshots, now, log: log('sync/outbox'),
    });
    this.#presence = this.presence = new PresenceChannel({
      link, relay, sealer, verify, clocks: state, reporter, now,
      follows: (workspaceId) => this.#followed.has(workspaceId),
      log: log('sync/presence'),
    });
    // This device's heartbeats and the comparison of others' (docs/design.md §6.1).
    this.#heartbeats = new Heartbeats({
      presence: this.#presence, state, inbound, handlers, keys, lanes, reporter, selfKey: sealer.selfKey,
      followed: () => this.#followed, intervalMs: config.heartbeatIntervalMs, ...deps.logHeads, log: log('sync/heartbeats'),
    });
    this.#heartbeats.start();
    this.#unsubscribe.push(
      link.onOnline(() => this.#online()),
      link.onOffline(() => board.changed()),
      link.onNotice('envelope', (notice) => {
        if (this.#followed.has(notice.workspaceId)) this.#received(notice.workspaceId, notice.stream, notice.stored);
      }),
      keys.onChange((workspaceId, what) => this.#keysChanged(workspaceId, what)),
    );
  }

  /** The context a family of streams works with; its logger is named `module`. */
  context(module: string): StreamContext {
    const log = moduleLogger(this.#deps.logger, module);
    return {
      now: () => this.#now(),
      log,
      report: (code, context) => this.#reporter.report(code, context),
      transaction: (work) => this.#deps.profile.transaction(work),
      // The entry and, when it can go at once, its clock: one commit before the send (outbox-pump.ts claim).
      enqueue: (workspaceId, stream, kind, payload) =>
        this.#deps.profile.transaction(() => this.#pump.claim(workspaceId, stream, this.#outbox.add(workspaceId, stream, kind, payload, this.#now()))),
      send: (workspaceId, stream) => {
        this.#board.changed();
        void this.#pump.kick(workspaceId, stream);
      },
      follow: (workspaceId) => {
        this.#follow(workspaceId).catch((error: unknown) => {
          log.error({ err: error instanceof Error ? error.message : 'unknown', workspaceId }, 'catch-up failed');
        });
      },
      queuedStreams: () => this.#outbox.streams(),
      flush: () => this.flush(),
      register: (handler) => this.#handlers.register(handler),
    };
  }

  /** Send everything queued and the snapshots due; resolves when answered or nothing more can be sent now. */
  async flush(): Promise<void> {
    await this.#lanes.idle();
    await this.#flushOutbox();
    await this.#snapshots.flush();
    await this.#flushOutbox();
  }

  /**
   * Stop: unsubscribe, let running work settle (each step checks its own `closed` after
   * every await, so no new request starts), cancel timers. Queued changes stay in the outbox.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#heartbeats.close();
    this.#presence.close();
    this.#inbound.close();
    this.#catchUp.close();
    this.#pump.close();
    await this.#snapshots.close();
    await this.#pump.idle();
    await this.#lanes.idle();
    this.#board.close();
  }

  /**
   * Follow a workspace (its handlers' streams): record the chain's device set and, when
   * online, catch up now. Following again re-runs the catch-up (a stream was added).
   */
  #follow(workspaceId: string): Promise<void> {
    this.#followed.add(workspaceId);
    this.#recordDevices(workspaceId);
    return this.#catchUpWorkspace(workspaceId);
  }

  /** Catch up a followed workspace in its lane, then let the families settle and send its outbox. No-op while offline. */
  async #catchUpWorkspace(workspaceId: string): Promise<void> {
    if (this.#closed || this.#deps.link.status() !== 'online' || !this.#followed.has(workspaceId)) return;
    await this.#lanes.run(workspaceId, () => this.#catchUp.join(workspaceId));
    if (this.#closed) return;
    this.#settled(workspaceId);
    // Members compare at once rather than an interval later (a device just back may have been kept short).
    void this.#heartbeats.sendTo(workspaceId);
  }

  /**
   * An envelope notice: it joins the workspace's waiting batch, and one lane run takes
   * the whole batch, each stream's envelopes in one transaction (inbound.ts) — whatever
   * arrived while the lane was busy is applied with one durable commit instead of one each.
   * A batch is cut where the seqs go down: envelopes the server delivered out of order are
   * judged in the order they came, so the gap is seen and reported, not sorted away.
   */
  #received(workspaceId: string, stream: string, stored: StoredEnvelope): void {
    let waiting = this.#arrived.get(workspaceId);
    if (waiting === undefined) {
      waiting = new Map();
      this.#arrived.set(workspaceId, waiting);
      void this.#lanes
        .run(workspaceId, async () => {
          const batch = this.#arrived.get(workspaceId);
          this.#arrived.delete(workspaceId);
          for (const [name, items] of batch ?? []) {
            for (const run of ascendingRuns(items)) await this.#inbound.process(workspaceId, name, run, true);
          }
        })
        .catch((error: unknown) => this.#failed('processing envelopes', error));
    }
    const items = waiting.get(stream);
    if (items === undefined) waiting.set(stream, [stored]);
    else items.push(stored);
  }

  /** After a catch-up or a key change: each family looks at the workspace again, snapshots due start, the outbox goes. */
  #settled(workspaceId: string): void {
    for (const handler of this.#handlers.all()) handler.afterCatchUp(workspaceId);
    for (const stream of this.#handlers.streamsOf(workspaceId)) this.#snapshots.consider(workspaceId, stream);
    for (const entry of this.#outbox.streams()) {
      if (entry.workspaceId === workspaceId) void this.#pump.kick(workspaceId, entry.stream);
    }
  }

  async #flushOutbox(): Promise<void> {
    for (let round = 0; round < 4 && !this.#closed; round++) {
      const before = this.#outbox.count();
      if (before === 0) break;
      await Promise.all(this.#outbox.streams().map(({ workspaceId, stream }) => this.#pump.kick(workspaceId, stream)));
      if (this.#outbox.count() >= before) break;
    }
    await this.#lanes.idle();
  }

  #online(): void {
    this.#board.changed();
    for (const workspaceId of this.#followed) {
      void this.#catchUpWorkspace(workspaceId).catch((error: unknown) => this.#failed('catch-up', error));
    }
  }

  #keysChanged(workspaceId: string, what: 'membership' | 'epoch'): void {
    if (this.#closed) return;
    this.#recordDevices(workspaceId);
    if (what === 'membership') this.#blocked.delete(workspaceId);
    void this.#lanes
      .run(workspaceId, () => this.#inbound.retryHeld(workspaceId))
      .then(() => {
        if (!this.#closed) this.#settled(workspaceId);
      })
      .catch((error: unknown) => this.#failed('re-checking held envelopes', error));
  }

  #recordDevices(workspaceId: string): void {
    const chain = this.#deps.keys.chainState(workspaceId);
    if (chain !== undefined) this.#state.recordEpochDevices(workspaceId, chain.epoch, chain.devices.map(deviceKey));
  }

  #failed(what: string, error: unknown): void {
    this.#log.error({ err: error instanceof Error ? error.message : 'unknown' }, `sync engine failed in ${what}`);
  }
}

/** `items` cut into runs of rising seq, in arrival order. */
function ascendingRuns(items: readonly StoredEnvelope[]): StoredEnvelope[][] {
  const runs: StoredEnvelope[][] = [];
  let run: StoredEnvelope[] = [];
  for (const item of items) {
    const last = run.at(-1);
    if (last !== undefined && item.seq <= last.seq) {
      runs.push(run);
      run = [];
    }
    run.push(item);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}
