/**
 * A records action refused before anything was queued: the records' rules (the same every
 * agent runs on replay) refuse it against the records as this device holds them, its own
 * pending events included. The code is the rule's; the message is for people.
 */
import type { RecordRefusalCode } from './record-book';

/** A refused records action; nothing was stored or queued. */
export class RecordRefusedError extends Error {
  constructor(
    readonly code: RecordRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'RecordRefusedError';
  }
}
