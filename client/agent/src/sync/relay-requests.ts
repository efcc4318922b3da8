/**
 * The sync engine's requests to the server's relay (join, push, snapshot, presence,
 * fetch), each with the configured timeout; envelopes go as their encoded blobs. An unreachable server shows in their answers
 * as the error code `offline` (contracts.ts `LinkOffline`).
 */
import { envelopeFrame } from '@yhteispoyta/crypto/protocol';
import type { StreamPosition } from '@yhteispoyta/crypto/protocol';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';
import type { ServerLink } from '../contracts';

/** Typed relay requests over a ServerLink. */
export class RelayRequests {
  readonly #link: Pick<ServerLink, 'request'>;
  readonly #timeoutMs: number;

  /** Requests over `link`, each answered or failed within `timeoutMs`. */
  constructor(link: Pick<ServerLink, 'request'>, timeoutMs: number) {
    this.#link = link;
    this.#timeoutMs = timeoutMs;
  }

  /** Enter a workspace's room and catch up on the streams named in `positions`. */
  join(workspaceId: string, positions: Record<string, StreamPosition>) {
    return this.#link.request('join', { workspaceId, positions }, this.#timeoutMs);
  }

  /** Store an update or chat envelope. */
  push(envelope: WireEnvelope) {
    return this.#link.request('push', { envelope: envelopeFrame(envelope) }, this.#timeoutMs);
  }

  /** Store a snapshot envelope (compare-and-set on the stream's active snapshot). */
  snapshot(envelope: WireEnvelope) {
    return this.#link.request('snapshot', { envelope: envelopeFrame(envelope) }, this.#timeoutMs);
  }

  /** Fan a presence envelope out to the workspace (never stored). */
  presence(envelope: WireEnvelope) {
    return this.#link.request('presence', { envelope: envelopeFrame(envelope) }, this.#timeoutMs);
  }

  /** Stored envelopes of a stream after `afterSeq`, at most `limit`. */
  fetch(workspaceId: string, stream: string, afterSeq: number, limit: number) {
    return this.#link.request('fetch', { workspaceId, stream, afterSeq, limit }, this.#timeoutMs);
  }
}
