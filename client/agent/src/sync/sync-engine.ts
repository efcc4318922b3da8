/**
 * The sync engine: follows workspaces on the server link, catches up on every
 * (re)connection, processes live envelopes, sends the outbox, and publishes its status.
 * Documents and chat plug in as {@link StreamHandler}s.
 */
import type { Logger } from 'pino';
import { MAX_JOIN_ENVELOPES_PER_STREAM } from '@yhteispoyta/crypto/protocol';
import type { StreamPosition } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { KeyRing, LinkStatus, LocalDevice, ServerLink, SyncStatus } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import { DocStore } from './doc-store';
import type { EngineCore, SendGate } from './engine-core';
import { isOfflineFailure, sendGate } from './engine-core';
import { Inbound } from './inbound';
import { KeyedLanes } from './keyed-lanes';
import { Outbox } from './outbox';
import { OutboxPump } from './outbox-pump';
import { ProblemReporter } from './problem-reporter';
import type { StreamHandler } from './stream-handler';
import { StreamStateStore } from './stream-state';
import { SYNC_MIGRATIONS } from './sync-schema';
import type { SyncConfig, SyncDeps } from './sync-options';
import { moduleLogger, resolveSyncConfig } from './sync-options';

/** The engine shared by DocumentSync and ChatService. */
export class SyncEngine implements EngineCore {
  readonly link: ServerLink;
  readonly keys: KeyRing;
  readonly device: LocalDevice;
  readonly profile: ProfileDb;
  readonly config: SyncConfig;
  readonly log: Logger;
  readonly state: StreamStateStore;
  readonly outbox: Outbox;
  readonly docs: DocStore;
  readonly reporter: ProblemReporter;
  readonly lanes = new KeyedLanes();
  readonly selfKey: string;
  readonly blocked = new Set<string>();
  readonly inbound: Inbound;
  readonly #pump: OutboxPump;
  readonly #handlers: StreamHandler[] = [];
  readonly #followed = new Set<string>();
  readonly #syncing = new Set<string>();
  readonly #statusListeners = new Set<(status: SyncStatus) => void>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #now: () => number;
  readonly #parentLogger: Logger | undefined;
  #lastStatus = '';
  #closed = false;

  /** Builds the engine on an open profile (applies the `sync` migrations) and subscribes to the link and the KeyRing. */
  constructor(deps: SyncDeps) {
    this.link = deps.link;
    this.keys = deps.keys;
    this.device = deps.device;
    this.profile = deps.profile;
    this.config = resolveSyncConfig(deps.config);
    this.#parentLogger = deps.logger;
    this.log = moduleLogger(deps.logger, 'sync/engine');
    this.#now = deps.now ?? (() => Date.now());
    this.profile.migrate(SYNC_MIGRATIONS);
    this.state = new StreamStateStore(this.profile);
    this.outbox = new Outbox(this.profile);
    this.docs = new DocStore(this.profile);
    this.reporter = new ProblemReporter(deps.problems, moduleLogger(deps.logger, 'sync/problems'));
    this.selfKey = deviceKey(this.device.self);
    this.inbound = new Inbound(this);
    this.#pump = new OutboxPump(this, (workspaceId) => this.#catchUp(workspaceId));
    this.#unsubscribe.push(
      this.link.onOnline(() => this.#online()),
      this.link.onOffline(() => this.statusChanged()),
      this.link.onNotice('envelope', (notice) => {
        if (!this.#followed.has(notice.workspaceId)) return;
        void this.lanes
          .run(notice.workspaceId, () => this.inbound.process(notice.workspaceId, notice.stream, [notice.stored], true))
          .catch((error: unknown) => this.#failed('processing an envelope', error));
      }),
      this.keys.onChange((workspaceId, what) => this.#keysChanged(workspaceId, what)),
    );
  }

  /** A child logger for a module built on this engine. */
  moduleLogger(module: string): Logger {
    return moduleLogger(this.#parentLogger, module);
  }

  /** Plug in a family of streams. */
  register(handler: StreamHandler): void {
    this.#handlers.push(handler);
  }

  /** @inheritdoc */
  handlers(): readonly StreamHandler[] {
    return this.#handlers;
  }

  /** @inheritdoc */
  handlerFor(workspaceId: string, stream: string): StreamHandler | undefined {
    return this.#handlers.find((h) => h.owns(stream) && h.streamsOf(workspaceId).includes(stream));
  }

  /** @inheritdoc */
  now(): number {
    return this.#now();
  }

  /** @inheritdoc */
  isClosed(): boolean {
    return this.#closed;
  }

  /** Whether this device may seal for the workspace now. */
  gate(workspaceId: string): SendGate {
    return sendGate(this, workspaceId);
  }

  /** Whether the engine follows a workspace. */
  follows(workspaceId: string): boolean {
    return this.#followed.has(workspaceId);
  }

  /**
   * Follow a workspace (its handlers' streams): record the chain's device set and, when
   * online, catch up now. Following again re-runs the catch-up (a stream was added).
   */
  follow(workspaceId: string): Promise<void> {
    this.#followed.add(workspaceId);
    this.#recordDevices(workspaceId);
    return this.catchUp(workspaceId);
  }

  /** Catch up a followed workspace in its lane, then send its outbox. No-op while offline. */
  async catchUp(workspaceId: string): Promise<void> {
    if (this.#closed || this.link.status() !== 'online' || !this.#followed.has(workspaceId)) return;
    await this.lanes.run(workspaceId, () => this.#catchUp(workspaceId));
    if (this.#closed) return;
    for (const handler of this.#handlers) handler.afterCatchUp(workspaceId);
    this.#kickWorkspace(workspaceId);
  }

  /** Send a stream's outbox now (no-op while offline or blocked). */
  kick(workspaceId: string, stream: string): Promise<void> {
    this.statusChanged();
    return this.#pump.kick(workspaceId, stream);
  }

  /** Send everything queued; resolves when it is acknowledged or nothing more can be sent now. */
  async flush(): Promise<void> {
    for (let round = 0; round < 4 && !this.#closed; round++) {
      const before = this.outbox.count();
      if (before === 0) break;
      await Promise.all(this.outbox.streams().map(({ workspaceId, stream }) => this.#pump.kick(workspaceId, stream)));
      if (this.outbox.count() >= before) break;
    }
    await this.lanes.idle();
  }

  /** The current status. */
  status(): SyncStatus {
    const link: LinkStatus = this.link.status();
    return { link, pending: this.#closed ? 0 : this.outbox.count(), syncing: [...this.#syncing].sort() };
  }

  /** Listen to status changes; returns the unsubscribe function. */
  onStatus(listener: (status: SyncStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** @inheritdoc */
  statusChanged(): void {
    if (this.#closed) return;
    const status = this.status();
    const text = JSON.stringify(status);
    if (text === this.#lastStatus) return;
    this.#lastStatus = text;
    for (const listener of this.#statusListeners) {
      try {
        listener(status);
      } catch (error) {
        this.#failed('a status listener', error);
      }
    }
  }

  /**
   * Stop: unsubscribe, let running work settle (each step checks `closed` after every
   * await, so no new request starts), cancel timers. Queued changes stay in the outbox.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.inbound.close();
    await this.#pump.idle();
    await this.lanes.idle();
    this.#statusListeners.clear();
  }

  /** The join: positions of every followed stream, then each stream's catch-up in order. Runs in the lane. */
  async #catchUp(workspaceId: string): Promise<void> {
    const streams = this.#handlers.flatMap((h) => h.streamsOf(workspaceId));
    if (streams.length === 0 || this.#closed) return;
    // Removed from the workspace by our own verified chain: the server would refuse, and the keys part reports the revocation.
    const chain = this.keys.chainState(workspaceId);
    if (chain !== undefined && !chain.devices.some((d) => deviceKey(d) === this.selfKey)) return;
    const positions: Record<string, StreamPosition> = {};
    for (const stream of streams) positions[stream] = this.inbound.position(workspaceId, stream);
    this.#syncing.add(workspaceId);
    this.statusChanged();
    try {
      const res = await this.link.request('join', { workspaceId, positions }, this.config.requestTimeoutMs);
      if (this.#closed) return;
      if (!res.ok) {
        if (isOfflineFailure(res.error)) return;
        const forbidden = res.error.code === 'forbidden';
        if (forbidden) this.blocked.add(workspaceId);
        this.reporter.report(forbidden ? 'forbidden' : 'server_error', { workspaceId, detail: `join refused: ${res.error.code}` });
        return;
      }
      for (const stream of streams) {
        const catchUp = res.streams[stream];
        if (catchUp === undefined) continue;
        await this.inbound.catchUp(workspaceId, stream, catchUp);
        const last = catchUp.envelopes.at(-1);
        if (catchUp.envelopes.length >= MAX_JOIN_ENVELOPES_PER_STREAM && last !== undefined) {
          const rest = await this.inbound.fetchAfter(workspaceId, stream, last.seq);
          await this.inbound.process(workspaceId, stream, rest, true);
        }
      }
    } finally {
      this.#syncing.delete(workspaceId);
      this.statusChanged();
    }
  }

  #online(): void {
    this.statusChanged();
    for (const workspaceId of this.#followed) {
      void this.catchUp(workspaceId).catch((error: unknown) => this.#failed('catch-up', error));
    }
  }

  #keysChanged(workspaceId: string, what: 'membership' | 'epoch'): void {
    if (this.#closed) return;
    this.#recordDevices(workspaceId);
    if (what === 'membership') this.blocked.delete(workspaceId);
    void this.lanes
      .run(workspaceId, () => this.inbound.retryHeld(workspaceId))
      .then(() => {
        if (this.#closed) return;
        for (const handler of this.#handlers) handler.afterCatchUp(workspaceId);
        this.#kickWorkspace(workspaceId);
      })
      .catch((error: unknown) => this.#failed('re-checking held envelopes', error));
  }

  #kickWorkspace(workspaceId: string): void {
    for (const entry of this.outbox.streams()) {
      if (entry.workspaceId === workspaceId) void this.#pump.kick(workspaceId, entry.stream);
    }
  }

  #recordDevices(workspaceId: string): void {
    const chain = this.keys.chainState(workspaceId);
    if (chain !== undefined) this.state.recordEpochDevices(workspaceId, chain.epoch, chain.devices.map(deviceKey));
  }

  #failed(what: string, error: unknown): void {
    this.log.error({ err: error instanceof Error ? error.message : 'unknown' }, `sync engine failed in ${what}`);
  }
}
