/**
 * One queued local change as the families of streams see it: the outbox (sync/outbox.ts)
 * stores it, the outbox pump seals and sends it, the family's handler hears what became
 * of it.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';

/** Kinds of stored envelopes an outbox entry becomes. */
export type OutboxKind = 'update' | 'chat' | 'records';

/** One queued change. */
export interface OutboxEntry {
  readonly id: number;
  readonly workspaceId: string;
  readonly stream: string;
  readonly kind: OutboxKind;
  readonly payload: Bytes;
  /** the clock of a send whose outcome is not known yet */
  readonly sentClock: number | undefined;
  readonly createdAt: number;
}
