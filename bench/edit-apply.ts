/**
 * Applying an {@link EditOp} to a Y.Text as one local transaction, the way an editor
 * would: a cursor per typist that moves when the trace says so and otherwise follows
 * what the typist typed. Transactions carry the agent's origin of a user's edit
 * (LOCAL_EDIT), without which an agent's document does not send them; a provider's
 * document sends them whatever their origin.
 */
import type * as Y from 'yjs';
import { LOCAL_EDIT } from '@yhteispoyta/agent/sync/doc-origin';
import type { EditOp } from './traces';

/** A typist's cursor into one Y.Text. */
export class Typist {
  #cursor = 0;

  /** Types into `text` (its document's local transactions). */
  constructor(readonly text: Y.Text) {}

  /** Apply one edit in its own transaction; returns the inserted character count (0 for a delete). */
  apply(op: EditOp): number {
    const length = this.text.length;
    if (op.moveTo !== undefined) this.#cursor = Math.floor(op.moveTo * length);
    this.#cursor = Math.min(this.#cursor, length);
    const doc = this.text.doc;
    if (doc === null) throw new Error('the text is not in a document');
    if (op.kind === 'delete') {
      if (this.#cursor === 0) return 0;
      doc.transact(() => this.text.delete(this.#cursor - 1, 1), LOCAL_EDIT);
      this.#cursor -= 1;
      return 0;
    }
    doc.transact(() => this.text.insert(this.#cursor, op.text), LOCAL_EDIT);
    this.#cursor += op.text.length;
    return op.text.length;
  }
}
