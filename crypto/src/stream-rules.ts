/**
 * The rules of a workspace's streams, in one place for the server, the agent and the
 * tests (docs/design.md §5–§6): stream names, which envelope kind travels on which
 * stream, the writer's clock rule the server enforces (exactly last + 1), the reader's
 * judgement of a received clock, and the coverage rule of snapshots. Pure functions.
 */
import type { EnvelopeKind } from './types';

/** The chat stream: signed chat message envelopes. */
export const CHAT_STREAM = 'chat';
/** The case records stream: signed records events (docs/design.md §11), never merged as a CRDT. */
export const RECORDS_STREAM = 'records';
/** The presence stream: awareness envelopes and heartbeats (docs/design.md §12), never stored. */
export const PRESENCE_STREAM = 'presence';
/** The joint client plan. */
export const PLAN_STREAM = 'doc:plan';

/**
 * One text naming a (workspace, stream) pair, for keying memory by the pair: the
 * workspace's length leads, so no two pairs share a name (joined plainly, `w1`+`doc:x`
 * and `w1d`+`oc:x` would).
 */
export function streamPairKey(workspaceId: string, stream: string): string {
  return `${String(workspaceId.length)}:${workspaceId}${stream}`;
}

/** The stream of the document named `name` (`plan`, a meeting id …). */
export function docStream(name: string): string {
  return `doc:${name}`;
}

/** Whether a stream is a Yjs document stream (`doc:<id>`). */
export function isDocStream(stream: string): boolean {
  return stream.startsWith('doc:');
}

/** Which stream each kind may travel on: updates and snapshots on documents, the rest on their own stream. */
export function streamFitsKind(kind: EnvelopeKind, stream: string): boolean {
  if (kind === 'chat') return stream === CHAT_STREAM;
  if (kind === 'records') return stream === RECORDS_STREAM;
  if (kind === 'presence' || kind === 'heartbeat') return stream === PRESENCE_STREAM;
  return isDocStream(stream);
}

/** The writer's clock rule as the server enforces it: null when `clock` is exactly last + 1. */
export function clockRefusal(lastClock: number, clock: number): { readonly code: 'clock_gap' | 'clock_replay'; readonly expected: number } | null {
  const expected = lastClock + 1;
  if (clock === expected) return null;
  return { code: clock < expected ? 'clock_replay' : 'clock_gap', expected };
}

/** What a reader does with a received envelope, judged by its clock. */
export type ClockVerdict =
  /** exactly last + 1: apply it */
  | 'apply'
  /** one of the reader's own envelopes coming back (catch-up returns them too): already applied locally */
  | 'echo'
  /** seen before at or below the seq already processed: an ordinary re-delivery (join racing live fan-out) */
  | 'duplicate'
  /** an old clock presented as new: a replay, reported and not applied */
  | 'replay'
  /** a clock beyond last + 1: something was dropped; hold it and fetch what is missing */
  | 'gap';

/** Inputs of {@link judgeEnvelopeClock}. */
export interface ClockFacts {
  readonly clock: number;
  /** the author's last applied clock in this stream (0 for none) */
  readonly lastClock: number;
  /** the envelope's server seq */
  readonly seq: number;
  /** the highest seq the reader processed in this stream */
  readonly lastSeq: number;
  /** whether the author is the reader's own device */
  readonly own: boolean;
}

/**
 * The reader's judgement of a clock. A repeated clock is a replay only when it arrives as
 * new (above the last processed seq); at or below it, the server is sending what the
 * reader already went through, which happens whenever a catch-up overlaps live delivery.
 */
export function judgeEnvelopeClock(f: ClockFacts): ClockVerdict {
  if (f.clock === f.lastClock + 1) return 'apply';
  if (f.clock > f.lastClock + 1) return 'gap';
  if (f.own) return 'echo';
  return f.seq <= f.lastSeq ? 'duplicate' : 'replay';
}

/**
 * The coverage rule of a snapshot: for each author with updates on the parent snapshot,
 * `lastClocks[author]` must be at most `coveredClocks[author]`. Returns the first author
 * (in sorted order, so the answer is deterministic) it does not cover, or null.
 */
export function uncoveredAuthor(
  lastClocks: Readonly<Record<string, number>>,
  coveredClocks: Readonly<Record<string, number>>,
): { readonly authorKey: string; readonly required: number } | null {
  for (const authorKey of Object.keys(lastClocks).sort()) {
    const required = lastClocks[authorKey] ?? 0;
    const covered = Object.hasOwn(coveredClocks, authorKey) ? (coveredClocks[authorKey] ?? 0) : 0;
    if (covered < required) return { authorKey, required };
  }
  return null;
}
