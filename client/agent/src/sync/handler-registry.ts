/**
 * The stream handlers plugged into the sync engine, and which handler a received envelope
 * or a queued change of a stream belongs to.
 */
import type { StreamHandler } from '../streams/stream-handler';

/** The plugged-in families of streams. */
export class HandlerRegistry {
  readonly #handlers: StreamHandler[] = [];

  /** Plug a handler in; returns the function that unplugs it. */
  register(handler: StreamHandler): () => void {
    this.#handlers.push(handler);
    return () => {
      const at = this.#handlers.indexOf(handler);
      if (at >= 0) this.#handlers.splice(at, 1);
    };
  }

  /** The handler of a stream this device follows in that workspace, if any. */
  handlerFor(workspaceId: string, stream: string): StreamHandler | undefined {
    return this.#handlers.find((h) => h.owns(stream) && h.streamsOf(workspaceId).includes(stream));
  }

  /** Every stream of a workspace this device follows, over all handlers. */
  streamsOf(workspaceId: string): string[] {
    return this.#handlers.flatMap((h) => h.streamsOf(workspaceId));
  }

  /** Every plugged-in handler. */
  all(): readonly StreamHandler[] {
    return [...this.#handlers];
  }
}
