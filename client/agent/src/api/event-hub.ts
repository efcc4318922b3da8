/**
 * The fan-out of what the agent pushes to the UI over the `/events` WebSocket. The
 * events themselves are the local-API contract's: a publisher that sends anything else
 * does not compile.
 */
import type { AgentEvent as ContractEvent } from '@yhteispoyta/local-api';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { DeepReadonly } from './route-binding';

/** One event for the UI, as the agent's read-only shapes give it. */
export type AgentEvent = DeepReadonly<ContractEvent>;

/** Fan-out of agent events to the connected UIs. */
export class EventHub {
  readonly #listeners: Listeners<[event: AgentEvent]>;

  /** `onListenerError` learns of a subscriber that threw (the others still get the event). */
  constructor(onListenerError: (err: unknown) => void = () => undefined) {
    this.#listeners = new Listeners(onListenerError);
  }

  /** Deliver an event to every subscriber. Never throws. */
  publish(event: AgentEvent): void {
    this.#listeners.emit(event);
  }

  /** Receive every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: AgentEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** How many subscribers are connected (for tests and status). */
  get size(): number {
    return this.#listeners.size;
  }
}
