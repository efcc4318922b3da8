/**
 * What the agent pushes to the UI over the `/events` WebSocket: one JSON object per
 * event, tagged by `type`. The UI re-fetches details over the JSON API when it needs
 * more than the event carries.
 */
import type { AgentProblem, ChatMessage, SyncStatus, TransferProgress } from '../contracts';
import type { HostStatus } from '../agent';

/** One event for the UI. */
export type AgentEvent =
  /** the agent's state changed (locked/unlocked/ready, link, pending edits) */
  | { readonly type: 'status'; readonly status: HostStatus }
  /** sync counters changed while a session runs */
  | { readonly type: 'sync'; readonly sync: SyncStatus }
  | { readonly type: 'problem'; readonly problem: AgentProblem }
  /** a chat message arrived, was acknowledged, edited or deleted */
  | { readonly type: 'chat'; readonly workspaceId: string; readonly message: ChatMessage }
  /** verified membership changed or a new epoch key arrived */
  | { readonly type: 'membership'; readonly workspaceId: string; readonly what: 'membership' | 'epoch' }
  | { readonly type: 'transfer'; readonly progress: TransferProgress }
  /** this device's certification or the person's devices (pending approvals) changed */
  | { readonly type: 'devices' };

/** Fan-out of agent events to the connected UIs. */
export class EventHub {
  readonly #listeners = new Set<(event: AgentEvent) => void>();
  readonly #onListenerError: (err: unknown) => void;

  /** `onListenerError` learns of a subscriber that threw (the others still get the event). */
  constructor(onListenerError: (err: unknown) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  /** Deliver an event to every subscriber. Never throws. */
  publish(event: AgentEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }

  /** Receive every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: AgentEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many subscribers are connected (for tests and status). */
  get size(): number {
    return this.#listeners.size;
  }
}
