/**
 * Heartbeats (docs/design.md §12): withholding is noticed. Every `heartbeatIntervalMs`
 * this device seals, for each workspace it follows, a heartbeat saying how far the server
 * acknowledged it in each stream (and, in its header, its chain head); the newest log
 * head it verified rides along. A receiver compares: an author's clock it has not reached
 * is fetched once, and what the server still does not deliver is the typed problem
 * `withheld`; so is a chain head past this device's that a fresh pull does not reach.
 * Each such problem is dropped again once what was missing arrives.
 *
 * Heartbeats travel like presence: relayed to whoever is connected, never stored, so they
 * are no stream that grows; a device that was offline hears the next one.
 */
import type { Logger } from 'pino';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import { PRESENCE_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, EnvelopeHeader } from '@yhteispoyta/crypto/types';
import type { KeyedQueue } from '@yhteispoyta/common/queue';
import type { KeyRing } from '../contracts';
import type { ProblemReporter } from '../streams/problem-reporter';
import { decodeHeartbeat, encodeHeartbeat } from './heartbeat-codec';
import type { HandlerRegistry } from './handler-registry';
import type { Inbound } from './inbound';
import type { PresenceChannel } from './presence-channel';
import type { StreamStateStore } from './stream-state';

/** Where the newest verified log head comes from, and where peers' heads go (the transparency part wires these). */
export interface LogHeadHooks {
  /** the newest tree head this device verified, if any */
  readonly logHead?: () => SignedTreeHead | undefined;
  /** a member's heartbeat named this head (its signature not yet checked here) */
  readonly onPeerLogHead?: (workspaceId: string, authorDevice: DeviceRef, head: SignedTreeHead) => void;
}

/** What heartbeats work with. */
export interface HeartbeatDeps extends LogHeadHooks {
  readonly presence: Pick<PresenceChannel, 'sendHeartbeat' | 'onHeartbeat'>;
  readonly state: Pick<StreamStateStore, 'allClocks' | 'clock'>;
  readonly inbound: Pick<Inbound, 'fetchAfter' | 'process'>;
  readonly handlers: Pick<HandlerRegistry, 'handlerFor'>;
  readonly keys: Pick<KeyRing, 'chainState' | 'refreshChain'>;
  readonly lanes: Pick<KeyedQueue, 'run'>;
  readonly reporter: Pick<ProblemReporter, 'report' | 'resolve'>;
  /** the workspaces this device follows now */
  followed(): Iterable<string>;
  /** this device's `userId.deviceId` */
  readonly selfKey: string;
  readonly intervalMs: number;
  readonly log: Logger;
}

/** Something a heartbeat said exists that this device has not received: open until it arrives. */
interface Missing {
  readonly workspaceId: string;
  readonly author: DeviceRef;
  /** the stream, or undefined for the membership chain */
  readonly stream: string | undefined;
  /** the clock (or chain seq) this device must reach */
  readonly needed: number;
}

const missingKey = (workspaceId: string, author: DeviceRef, stream: string | undefined): string =>
  `${workspaceId}\u0000${deviceKey(author)}\u0000${stream ?? ''}`;

/** Sending and comparing heartbeats. */
export class Heartbeats {
  readonly #deps: HeartbeatDeps;
  readonly #missing = new Map<string, Missing>();
  readonly #off: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** Heartbeats with `deps`; nothing is sent before {@link start}. */
  constructor(deps: HeartbeatDeps) {
    this.#deps = deps;
    this.#off = deps.presence.onHeartbeat((workspaceId, header, plaintext) => this.#received(workspaceId, header, plaintext));
  }

  /** Send every interval from now on. */
  start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => void this.beat(), this.#deps.intervalMs);
    this.#timer.unref();
  }

  /** Send this device's heartbeat to every followed workspace now, and look again at what is still missing. */
  async beat(): Promise<void> {
    for (const workspaceId of [...this.#deps.followed()]) {
      if (this.#closed) return;
      await this.sendTo(workspaceId);
    }
    this.#settle();
  }

  /** Send this device's heartbeat to one workspace (a workspace just followed need not wait an interval). */
  async sendTo(workspaceId: string): Promise<void> {
    const deps = this.#deps;
    const clocks: Record<string, number> = {};
    for (const [stream, authors] of Object.entries(deps.state.allClocks(workspaceId))) {
      const own = authors[deps.selfKey];
      if (stream !== PRESENCE_STREAM && own !== undefined && own > 0) clocks[stream] = own;
    }
    try {
      await deps.presence.sendHeartbeat(workspaceId, encodeHeartbeat({ clocks, logHead: deps.logHead?.() ?? null }));
    } catch (error) {
      deps.log.warn({ workspaceId, err: error instanceof Error ? error.message : 'unknown' }, 'heartbeat not sent');
    }
  }

  /** Stop sending and comparing. */
  close(): void {
    this.#closed = true;
    this.#off();
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  #received(workspaceId: string, header: EnvelopeHeader, plaintext: Uint8Array): void {
    const deps = this.#deps;
    const heartbeat = decodeHeartbeat(plaintext);
    if (heartbeat === undefined) {
      deps.reporter.report('malformed', { workspaceId, stream: PRESENCE_STREAM, device: header.author, detail: 'unreadable heartbeat' });
      return;
    }
    if (heartbeat.logHead !== null) {
      try {
        deps.onPeerLogHead?.(workspaceId, header.author, heartbeat.logHead);
      } catch (error) {
        deps.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'log head listener failed');
      }
    }
    const behind: Missing[] = [];
    const chain = deps.keys.chainState(workspaceId);
    if (chain !== undefined && header.chainHead.seq > chain.seq) {
      behind.push({ workspaceId, author: header.author, stream: undefined, needed: header.chainHead.seq });
    }
    for (const [stream, clock] of Object.entries(heartbeat.clocks)) {
      if (deps.handlers.handlerFor(workspaceId, stream) === undefined) continue;
      if (this.#reached(workspaceId, header.author, stream, clock)) continue;
      behind.push({ workspaceId, author: header.author, stream, needed: clock });
    }
    this.#settle();
    if (behind.length === 0) return;
    void deps.lanes
      .run(workspaceId, () => this.#lookFor(behind))
      .catch((error: unknown) => deps.log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'heartbeat comparison failed'));
  }

  /** Ask the server once for what a heartbeat says exists; what it still does not deliver is `withheld`. */
  async #lookFor(behind: readonly Missing[]): Promise<void> {
    const deps = this.#deps;
    for (const missing of behind) {
      if (this.#closed) return;
      const { workspaceId, author, stream, needed } = missing;
      if (stream === undefined) {
        if (deps.keys.refreshChain !== undefined) await deps.keys.refreshChain(workspaceId).catch(() => undefined);
      } else if (!this.#reached(workspaceId, author, stream, needed)) {
        const fetched = await deps.inbound.fetchAfter(workspaceId, stream, deps.state.clock(workspaceId, stream, deviceKey(author)).seq);
        if (fetched.length > 0) await deps.inbound.process(workspaceId, stream, fetched, false);
      }
      if (this.#reached(workspaceId, author, stream, needed)) continue;
      const key = missingKey(workspaceId, author, stream);
      const open = this.#missing.get(key);
      this.#missing.set(key, { ...missing, needed: Math.max(needed, open?.needed ?? 0) });
      if (open !== undefined) continue;
      const have = stream === undefined ? (deps.keys.chainState(workspaceId)?.seq ?? 0) : deps.state.clock(workspaceId, stream, deviceKey(author)).clock;
      deps.reporter.report('withheld', {
        workspaceId,
        ...(stream === undefined ? {} : { stream }),
        device: author,
        message:
          stream === undefined
            ? 'A member has seen membership changes the server has not delivered to this device.'
            : 'The server has not delivered messages a member says they sent.',
        detail: stream === undefined ? `chain seq ${needed} announced, ${have} delivered` : `clock ${needed} announced, ${have} delivered`,
      });
    }
    this.#settle();
  }

  /** Drop what has arrived since (its problem leaves the list). */
  #settle(): void {
    for (const [key, missing] of this.#missing) {
      if (!this.#reached(missing.workspaceId, missing.author, missing.stream, missing.needed)) continue;
      this.#missing.delete(key);
      this.#deps.reporter.resolve('withheld', {
        workspaceId: missing.workspaceId,
        ...(missing.stream === undefined ? {} : { stream: missing.stream }),
        device: missing.author,
      });
    }
  }

  #reached(workspaceId: string, author: DeviceRef, stream: string | undefined, needed: number): boolean {
    if (stream === undefined) return (this.#deps.keys.chainState(workspaceId)?.seq ?? 0) >= needed;
    return this.#deps.state.clock(workspaceId, stream, deviceKey(author)).clock >= needed;
  }
}
