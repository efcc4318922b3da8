/**
 * Freshness of membership (docs/design.md §12): whether an authentic envelope may still be
 * accepted given what the reader's own verified chain says happened since its author
 * sealed it. Pure; the agent runs it on every received envelope after openEnvelope.
 *
 * Two rules, each closing what a colluding server could otherwise do:
 * - **stale head**: every header names the author's verified chain head. An envelope
 *   sealed under an epoch that a rotation ended, by an author whose head is before that
 *   rotation, and signed (sentAt) after the rotation was signed (plus a grace for the push
 *   in flight and clock skew), was written by a member the server kept from seeing the
 *   removal and rotation: its content went under a key the removed device holds, and it is
 *   refused. A head at the reader's own seq with another hash is a fork: refused too.
 * - **clock cut**: `rotate_epoch` signs, for each device no longer in the workspace, the
 *   last clock per stream the rotating device accepted from it. A removed device's
 *   envelope under an older epoch past its cut is refused whatever it claims (its own
 *   sentAt and head are its own word).
 */
import type { ChainState, Rotation } from './membership-rules';
import { deviceKey } from './types';
import type { EnvelopeHeader } from './types';

/** Why {@link judgeFreshness} refused an envelope. */
export type FreshnessRefusal = 'stale_head' | 'past_cut';

/** Result of {@link judgeFreshness}. */
export type FreshnessVerdict =
  | {
      readonly ok: true;
      /** the author's head is past the reader's: the reader's chain is behind (or withheld) */
      readonly ahead: boolean;
    }
  | { readonly ok: false; readonly code: FreshnessRefusal; readonly detail: string };

/**
 * Judges an authentic header against the reader's verified `chain`. `graceMs`: how long
 * after a rotation's signed time an envelope from a stale head is still taken as one that
 * was in flight when the rotation was appended.
 */
export function judgeFreshness(chain: ChainState, header: EnvelopeHeader, graceMs: number): FreshnessVerdict {
  const head = header.chainHead;
  if (head.seq === chain.seq && head.hash !== chain.headHash) {
    return { ok: false, code: 'stale_head', detail: `the author's chain head at seq ${head.seq} is not this device's (a fork)` };
  }
  const author = deviceKey(header.author);
  const later = chain.rotations.filter((r) => r.epoch > header.epoch);
  const cut = pastCut(later, author, header);
  if (cut !== undefined) return { ok: false, code: 'past_cut', detail: cut };
  const ended = later[0];
  if (ended !== undefined) {
    if (head.seq >= ended.seq) {
      return { ok: false, code: 'stale_head', detail: `sealed under epoch ${header.epoch}, which the author's own head (seq ${head.seq}) had ended` };
    }
    if (header.sentAt > ended.at + graceMs) {
      return {
        ok: false,
        code: 'stale_head',
        detail: `sealed under epoch ${header.epoch} from head seq ${head.seq} after the rotation at seq ${ended.seq} (the author was kept from seeing it)`,
      };
    }
  }
  return { ok: true, ahead: head.seq > chain.seq };
}

/** Why the header is past a cut of one of `rotations` for its author and stream, if it is. */
function pastCut(rotations: readonly Rotation[], author: string, header: EnvelopeHeader): string | undefined {
  const clock = header.kind === 'snapshot' ? (header.coveredClocks?.[author] ?? 0) : header.clock;
  for (const rotation of rotations) {
    const entry = rotation.cut.find((c) => c.device === author && c.stream === header.stream);
    if (entry !== undefined && clock > entry.clock) {
      return `clock ${clock} of ${author} on ${header.stream} is past its cut ${entry.clock} at the rotation to epoch ${rotation.epoch}`;
    }
  }
  return undefined;
}
