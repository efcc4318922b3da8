/**
 * What the sync engine gives a family of streams (documents, chat) to work with: the
 * outbox, problem reporting, the clock, a logger and the profile's transactions — and
 * nothing of the engine itself. Each part of a family declares the slice it uses
 * (`Pick<StreamContext, …>`), so a reader sees at its constructor what it can do.
 */
import type { Logger } from 'pino';
import type { ProblemCode } from '../contracts';
import type { OutboxKind } from './outbox-entry';
import type { ProblemContext } from './problem-reporter';
import type { StreamHandler } from './stream-handler';

/** A (workspace, stream) pair. */
export interface StreamRef {
  readonly workspaceId: string;
  readonly stream: string;
}

/** The engine as a family of streams may use it. */
export interface StreamContext {
  /** ms since the epoch (tests may move it) */
  now(): number;
  /** the family's own module logger */
  readonly log: Logger;
  /** report a problem to the user (plain language) and the log (codes and ids only) */
  report(code: ProblemCode, context?: ProblemContext): void;
  /** run the family's writes and the outbox's in one profile transaction */
  transaction<T>(work: () => T): T;
  /** queue a local change; call it inside {@link transaction} with the family's own writes */
  enqueue(workspaceId: string, stream: string, kind: OutboxKind, payload: Uint8Array): void;
  /** start sending a stream's queue (nothing happens while offline or refused) */
  send(workspaceId: string, stream: string): void;
  /** follow a workspace: the family's streams of it are caught up now and on every reconnection */
  follow(workspaceId: string): void;
  /** streams that still have queued changes (from an earlier run), to follow them again */
  queuedStreams(): readonly StreamRef[];
  /** send everything queued — every family's, the outbox is one — and snapshots due; resolves when answered or nothing more can go now */
  flush(): Promise<void>;
  /** plug the family's handler in; returns the function that unplugs it */
  register(handler: StreamHandler): () => void;
}
