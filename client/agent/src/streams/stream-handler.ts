/**
 * How a family of streams (documents, chat) plugs into the sync engine. The engine owns
 * transport, verification, clocks, the outbox, catch-up and snapshots; a handler owns what
 * the plaintext means.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { EnvelopeHeader, EnvelopeKind } from '@yhteispoyta/crypto/types';
import type { OutboxEntry } from './outbox-entry';

/** A received envelope that passed every check, in order. */
export interface InboundEnvelope {
  readonly workspaceId: string;
  readonly stream: string;
  /** server sequence */
  readonly seq: number;
  readonly header: EnvelopeHeader;
  readonly plaintext: Bytes;
}

/** A family of streams and what its plaintext means. */
export interface StreamHandler {
  /** envelope kinds its streams carry; any other kind on them is refused as malformed */
  readonly kinds: readonly EnvelopeKind[];
  /** whether a stream name belongs to this family */
  owns(stream: string): boolean;
  /** the streams of a workspace this device currently follows (named in `join`) */
  streamsOf(workspaceId: string): readonly string[];
  /**
   * Checks a verified plaintext before it is applied; returns why it is unusable, or
   * undefined. An unusable plaintext is reported as malformed, and its clock is still
   * consumed: the envelope is authentic and in order, only its content is refused.
   */
  validate(item: InboundEnvelope): string | undefined;
  /** Applies a verified, in-order envelope. Runs inside the engine's database transaction. */
  apply(item: InboundEnvelope): void;
  /** Our own envelope coming back from the server (catch-up). Inside the transaction. */
  echo(item: InboundEnvelope): void;
  /** Applies a snapshot that passed the chain check. Inside the transaction. */
  applySnapshot(item: InboundEnvelope): void;
  /** The server stored an outbox entry with this clock (`seq` unknown when learnt from a clock_replay). Inside a transaction. */
  acknowledged(entry: OutboxEntry, clock: number, seq: number | undefined): void;
  /** An entry the server refused for good was removed from the outbox (already reported). Inside a transaction. */
  dropped(entry: OutboxEntry): void;
  /**
   * The server answered `clock_gap`: what this device sent with clocks `fromClock`..`toClock`
   * was acknowledged but is not stored (the acknowledgements were false, docs/design.md §12).
   * A family that keeps what it sent queues it again (with `enqueue`) so nothing is lost.
   * Inside a transaction.
   */
  lost?(workspaceId: string, stream: string, fromClock: number, toClock: number): void;
  /**
   * Merges consecutive unsent entries into one payload, or returns undefined when this
   * family sends entries one by one. `entries` are the oldest unsent ones, oldest first.
   */
  coalesce(entries: readonly OutboxEntry[]): { readonly ids: readonly number[]; readonly payload: Uint8Array } | undefined;
  /**
   * The stream's full state, sealed as a snapshot when the engine compacts the stream;
   * undefined when there is none to give (the stream is not open). Families whose `kinds`
   * include `snapshot` implement it.
   */
  snapshotState?(workspaceId: string, stream: string): Uint8Array | undefined;
  /** After a batch of envelopes of a stream was applied (outside any transaction). */
  afterApply(workspaceId: string, stream: string): void;
  /** After a workspace's catch-up completed, or its epoch or membership changed. */
  afterCatchUp(workspaceId: string): void;
}
