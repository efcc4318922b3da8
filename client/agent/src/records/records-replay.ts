/**
 * The records of a workspace from its stored events: a fresh RecordBook fed every event in
 * server order, then our own pending ones, as every agent does. Pending events carry a
 * negative seq (minus their row id) into the book, so the views can tell their steps apart.
 */
import type { ApplyRecordResult } from './record-book';
import { RecordBook } from './record-book';
import { parseRecordEvent } from './record-payload';
import type { StoredRecordEvent } from './records-store';

/** What the replay made of one stored event. */
export interface ReplayedEvent {
  readonly row: StoredRecordEvent;
  readonly result: ApplyRecordResult;
}

/** The replay's book and each event's outcome. */
export interface Replay {
  readonly book: RecordBook;
  readonly events: readonly ReplayedEvent[];
}

/** The seq a stored event carries into the book: its server seq, minus its row id while pending, 0 when acknowledged without one. */
function bookSeq(row: Pick<StoredRecordEvent, 'seq' | 'pending' | 'rowId'>): number {
  return row.seq ?? (row.pending ? -row.rowId : 0);
}

/** Replay `rows` (in the store's order) into a new book. */
export function replayRecords(rows: readonly StoredRecordEvent[]): Replay {
  const book = new RecordBook();
  const events: ReplayedEvent[] = [];
  for (const row of rows) {
    const parsed = parseRecordEvent(row.payload);
    let result: ApplyRecordResult;
    if (!parsed.ok) {
      // Rows are validated before they are stored; a row that no longer parses is corruption.
      result = { ok: false, code: 'unknown_record', detail: `a stored event does not parse: ${parsed.detail}` };
    } else if (row.author === undefined) {
      result = { ok: false, code: 'unknown_member', detail: 'the author was not a member of the workspace when the event arrived' };
    } else {
      result = book.apply(parsed.event, { author: row.author, seq: bookSeq(row), members: row.members });
    }
    events.push({ row, result });
  }
  return { book, events };
}
