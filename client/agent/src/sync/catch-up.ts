/**
 * The join of one workspace: name the position of every followed stream, then process
 * what the server answers stream by stream, reading on with `fetch` where the answer was
 * cut at its limit. Runs in the workspace's lane (the caller holds it).
 */
import { MAX_JOIN_ENVELOPES_PER_STREAM } from '@yhteispoyta/crypto/protocol';
import type { StreamPosition } from '@yhteispoyta/crypto/protocol';
import type { ProblemReporter } from '../streams/problem-reporter';
import type { HandlerRegistry } from './handler-registry';
import type { Inbound } from './inbound';
import type { RelayRequests } from './relay-requests';
import type { Sealer } from './sealer';
import type { SyncStatusBoard } from './sync-status';

/** What a catch-up works with. */
export interface CatchUpDeps {
  readonly relay: Pick<RelayRequests, 'join'>;
  readonly inbound: Pick<Inbound, 'position' | 'catchUp' | 'fetchAfter' | 'process'>;
  readonly handlers: Pick<HandlerRegistry, 'streamsOf'>;
  readonly sealer: Pick<Sealer, 'removedFrom'>;
  /** workspaces refused with `forbidden`: nothing is pushed to them until membership changes */
  readonly blocked: Set<string>;
  readonly reporter: Pick<ProblemReporter, 'report'>;
  readonly status: Pick<SyncStatusBoard, 'changed'>;
}

/** Joins, and which workspaces are catching up right now. */
export class WorkspaceCatchUp {
  readonly #deps: CatchUpDeps;
  readonly #syncing = new Set<string>();
  #closed = false;

  /** Catch-ups with `deps`. */
  constructor(deps: CatchUpDeps) {
    this.#deps = deps;
  }

  /** Workspaces whose catch-up is running. */
  syncing(): readonly string[] {
    return [...this.#syncing];
  }

  /** Join the workspace and process every followed stream's answer. The caller holds the workspace's lane. */
  async join(workspaceId: string): Promise<void> {
    const { relay, inbound, handlers, sealer, blocked, reporter, status } = this.#deps;
    const streams = handlers.streamsOf(workspaceId);
    if (streams.length === 0 || this.#closed) return;
    // Removed from the workspace by our own verified chain: the server would refuse, and the keys part reports the revocation.
    if (sealer.removedFrom(workspaceId)) return;
    const positions: Record<string, StreamPosition> = {};
    for (const stream of streams) positions[stream] = inbound.position(workspaceId, stream);
    this.#syncing.add(workspaceId);
    status.changed();
    try {
      const res = await relay.join(workspaceId, positions);
      if (this.#closed) return;
      if (!res.ok) {
        if (res.error.code === 'offline') return;
        const forbidden = res.error.code === 'forbidden';
        if (forbidden) blocked.add(workspaceId);
        reporter.report(forbidden ? 'forbidden' : 'server_error', { workspaceId, detail: `join refused: ${res.error.code}` });
        return;
      }
      for (const stream of streams) {
        const catchUp = res.streams[stream];
        if (catchUp === undefined) continue;
        await inbound.catchUp(workspaceId, stream, catchUp);
        const last = catchUp.envelopes.at(-1);
        if (catchUp.envelopes.length >= MAX_JOIN_ENVELOPES_PER_STREAM && last !== undefined) {
          const rest = await inbound.fetchAfter(workspaceId, stream, last.seq);
          await inbound.process(workspaceId, stream, rest, true);
        }
      }
    } finally {
      this.#syncing.delete(workspaceId);
      status.changed();
    }
  }

  /** Stop: a join under way processes nothing more once its answer arrives. */
  close(): void {
    this.#closed = true;
  }
}
