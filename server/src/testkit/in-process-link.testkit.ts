/**
 * The socket half of the in-process server: a ServerLink per device whose requests go
 * through the relay core's one request path (relay/handle-request.ts: size, schema,
 * core function, denial audit) in arrival order, and whose notices are the core's fan-out
 * — exactly what the socket.io adapter carries, minus the socket. The link can be taken
 * offline and brought back like a reconnecting socket (its workspace rooms are forgotten,
 * `onOnline` fires, the agent joins again).
 */
import { SerialQueue } from '@yhteispoyta/common/queue';
import { CLIENT_EVENT_SCHEMAS, SERVER_EVENT_SCHEMAS } from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName, ClientToServerEvents, ParsedNotice, ServerToClientEventName, ServerToClientEvents } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { LinkStatus, RestClient, ServerLink } from '@yhteispoyta/agent/contracts';
import type { RelayConnection } from '../relay/connection';
import { handleRequest } from '../relay/handle-request';
import type { RelayRuntime } from '../relay/handle-request';
import { MAX_PENDING_PER_SOCKET } from '../socket/index';
import type { FanOut } from '../relay/fan-out';
import { envelopesDecoded, envelopesEncoded } from './envelope-view.testkit';
import type { Interceptor, Verdict } from './traffic.testkit';

/** What a link shares with the rest of the in-process server. */
export interface LinkCore {
  readonly runtime: RelayRuntime;
  interceptor(): Interceptor | undefined;
  /** Carry out a fan-out; `sender` is the link whose request caused it. */
  carry(fanOut: FanOut, sender: InProcessLink | undefined): void;
  /** Keep `work` in the set {@link InProcessServer.settle} waits for. */
  track(work: Promise<unknown>): void;
}

type Listener = (value: never) => void;

/** The link's answer when the core never answers: the shape of the agent's offline answer (`code` and message both say it). */
function offline(reason: string): { ok: false; error: { code: 'offline'; message: string } } {
  return { ok: false, error: { code: 'offline', message: `offline: ${reason}` } };
}

const passes = (verdict: Verdict | undefined): boolean => verdict === undefined || verdict === 'pass' || (typeof verdict === 'object' && !('replace' in verdict));

/** A ServerLink of one device to the in-process server. */
export class InProcessLink implements ServerLink {
  readonly device: DeviceRef;
  readonly rest: RestClient;
  /** workspaces whose room this link joined (forgotten when it goes offline, as a new socket would have none) */
  readonly rooms = new Set<string>();
  /** every request made, in order (tests assert on what was sent) */
  readonly requests: { readonly event: ClientToServerEventName; readonly payload: unknown }[] = [];
  /** notices that did not parse with the protocol's schemas and were ignored (the real link reports each as a problem) */
  readonly invalidNotices: ServerToClientEventName[] = [];
  readonly #core: LinkCore;
  readonly #queue = new SerialQueue({ maxPending: MAX_PENDING_PER_SOCKET });
  readonly #notices = new Map<string, Set<Listener>>();
  readonly #online = new Set<() => void>();
  readonly #offline = new Set<() => void>();
  #status: LinkStatus = 'offline';
  #closed = false;

  constructor(core: LinkCore, device: DeviceRef, rest: RestClient) {
    this.#core = core;
    this.device = { userId: device.userId, deviceId: device.deviceId };
    this.rest = rest;
  }

  status(): LinkStatus {
    return this.#status;
  }

  /** Take the link offline or bring it back, firing `onOffline` / `onOnline` like a reconnecting socket. */
  setOnline(online: boolean): void {
    if (this.#closed || online === (this.#status === 'online')) return;
    this.#status = online ? 'online' : 'offline';
    this.rooms.clear();
    for (const listener of [...(online ? this.#online : this.#offline)]) listener();
  }

  request: ServerLink['request'] = async (event, payload) => {
    this.requests.push({ event, payload });
    if (this.#status !== 'online') return offline('not connected') as never;
    const answer = new Promise<unknown>((resolve) => {
      const queued = this.#queue.tryRun(async () => resolve(await this.#handle(event, structuredClone(payload))));
      if (!queued) resolve({ ok: false, error: { code: 'rate_limited', message: 'too many requests waiting on this connection' } });
    });
    this.#core.track(answer);
    return (await answer) as never;
  };

  onNotice<E extends keyof ServerToClientEvents>(event: E, listener: (notice: ParsedNotice<E>) => void): () => void {
    const set = this.#notices.get(event) ?? new Set<Listener>();
    this.#notices.set(event, set);
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  onOnline(listener: () => void): () => void {
    this.#online.add(listener);
    return () => this.#online.delete(listener);
  }

  onOffline(listener: () => void): () => void {
    this.#offline.add(listener);
    return () => this.#offline.delete(listener);
  }

  async close(): Promise<void> {
    this.setOnline(false);
    this.#closed = true;
  }

  /** Whether a fan-out room reaches this link. */
  inRoom(room: { readonly workspace: string } | { readonly device: DeviceRef }): boolean {
    return 'workspace' in room ? this.rooms.has(room.workspace) : deviceKey(room.device) === deviceKey(this.device);
  }

  /**
   * A notice of the server for this link, after the interceptor: parsed with the
   * protocol's schema as the real link does, then handed to the listeners (dropped while
   * offline). Delivery is asynchronous, as over a socket.
   */
  deliver(event: ServerToClientEventName, payload: unknown, intercept = true): void {
    const verdict = intercept ? this.#core.interceptor()?.({ kind: 'notice', device: this.device, event, payload: envelopesDecoded(structuredClone(payload)) }) : undefined;
    if (verdict === 'drop') return;
    const value = envelopesEncoded(typeof verdict === 'object' && 'replace' in verdict ? verdict.replace : payload);
    const times = typeof verdict === 'object' && 'repeat' in verdict ? 1 + verdict.repeat : 1;
    for (let i = 0; i < times; i += 1) {
      this.#core.track(new Promise<void>((resolve) => setImmediate(() => {
        this.#receive(event, structuredClone(value));
        resolve();
      })));
    }
  }

  #receive(event: ServerToClientEventName, payload: unknown): void {
    if (this.#status !== 'online') return;
    const parsed = SERVER_EVENT_SCHEMAS[event].safeParse(payload);
    if (!parsed.success) {
      this.invalidNotices.push(event);
      return;
    }
    for (const listener of [...(this.#notices.get(event) ?? [])]) (listener as (notice: unknown) => void)(parsed.data);
  }

  /** The connection the core sees: this link's device and rooms. */
  #connection(): RelayConnection {
    return {
      device: this.device,
      enterWorkspace: async (workspaceId) => void this.rooms.add(workspaceId),
      leaveWorkspace: async (workspaceId) => void this.rooms.delete(workspaceId),
      fanOutNow: (fanOut) => this.#core.carry(fanOut, this),
      // Carried out at once: nothing is held back.
      releaseFanOut: () => undefined,
      ordered: () => undefined,
    };
  }

  async #handle(event: ClientToServerEventName, payload: unknown): Promise<unknown> {
    const interceptor = this.#core.interceptor();
    const verdict = interceptor?.({ kind: 'request', device: this.device, event, payload: envelopesDecoded(structuredClone(payload)) });
    if (verdict === 'drop') return offline(`no answer to ${event}`);
    if (typeof verdict === 'object' && 'answer' in verdict) return ackAsReceived(event, envelopesEncoded(verdict.answer));
    const sent = typeof verdict === 'object' && 'replace' in verdict ? envelopesEncoded(verdict.replace) : payload;
    const handled = await handleRequest(this.#core.runtime, this.#connection(), event, sent);
    this.#core.carry(handled.fanOut, this);
    const replays = typeof verdict === 'object' && 'repeat' in verdict ? verdict.repeat : 0;
    for (let i = 0; i < replays; i += 1) {
      const again = await handleRequest(this.#core.runtime, this.#connection(), event, structuredClone(sent));
      this.#core.carry(again.fanOut, this);
    }
    const ack = structuredClone(handled.ack) as unknown;
    const ackVerdict = interceptor?.({ kind: 'ack', device: this.device, event, ack: envelopesDecoded(structuredClone(ack)) });
    if (ackVerdict === 'drop') return offline(`no answer to ${event}`);
    return ackAsReceived(event, passes(ackVerdict) ? ack : envelopesEncoded((ackVerdict as { replace: unknown }).replace));
  }
}

/** An ack as the device's link receives it: one the protocol does not allow is a bad_response, not the ack (as the real link). */
function ackAsReceived(event: ClientToServerEventName, ack: unknown): unknown {
  const parsed = CLIENT_EVENT_SCHEMAS[event as keyof ClientToServerEvents].ack.safeParse(ack);
  if (!parsed.success) return { ok: false, error: { code: 'internal', message: `bad_response: ${event} ack does not match the protocol` } };
  return parsed.data;
}
