/**
 * The reader's clock rule (DESIGN §5): per (author device, stream) every envelope carries
 * exactly the previous clock + 1. Anything else is either a harmless re-delivery or an
 * attack/loss that must be surfaced.
 */

/** What to do with an envelope, judged by its clock. */
export type ClockVerdict =
  /** exactly last + 1: apply it */
  | 'apply'
  /** one of our own envelopes coming back (catch-up returns them too): already applied locally */
  | 'echo'
  /** seen before at or below the seq we already processed: an ordinary re-delivery (join racing live fan-out) */
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
  /** the highest seq this device processed in this stream */
  readonly lastSeq: number;
  /** whether the author is this device */
  readonly own: boolean;
}

/**
 * Judges an envelope's clock. A repeated clock is a replay only when it arrives as new
 * (above the last processed seq); at or below it, the server is sending what we already
 * went through, which happens whenever a catch-up overlaps live delivery.
 */
export function judgeEnvelopeClock(f: ClockFacts): ClockVerdict {
  if (f.clock === f.lastClock + 1) return 'apply';
  if (f.clock > f.lastClock + 1) return 'gap';
  if (f.own) return 'echo';
  return f.seq <= f.lastSeq ? 'duplicate' : 'replay';
}
