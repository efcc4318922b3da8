/**
 * SQL over records_events: the `records` events of each workspace in server order, our
 * own pending ones after them in the order they were made.
 */
import { z } from 'zod';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { ROLES } from '@yhteispoyta/crypto/types';
import type { Role } from '@yhteispoyta/crypto/types';
import type { ProfileDb } from '../profile/profile-db';
import { rowBytes, rowInt, rowOptInt, rowText } from '../streams/sql-row';
import type { SqlRow } from '../streams/sql-row';
import type { RecordAuthor, RecordMember } from './record-book';

/** One stored event. */
export interface StoredRecordEvent {
  readonly rowId: number;
  readonly workspaceId: string;
  readonly seq: number | undefined;
  readonly authorKey: string;
  /** undefined when the author was no longer a member when the event was applied */
  readonly author: RecordAuthor | undefined;
  readonly authorUser: string;
  readonly authorDevice: number;
  readonly members: ReadonlyMap<string, RecordMember>;
  readonly clock: number | undefined;
  readonly payload: Bytes;
  readonly pending: boolean;
  readonly refused: string | undefined;
}

/** A new row. */
export interface NewRecordEvent {
  readonly workspaceId: string;
  readonly seq: number | undefined;
  readonly authorKey: string;
  readonly authorUser: string;
  readonly authorDevice: number;
  readonly author: RecordAuthor | undefined;
  readonly members: ReadonlyMap<string, RecordMember>;
  readonly clock: number | undefined;
  readonly payload: Uint8Array;
  readonly pending: boolean;
}

const roleSchema = z.enum(ROLES);
const membersSchema = z.record(z.string(), z.object({ orgId: z.string().nullable(), role: roleSchema }));

function readRole(value: unknown): Role {
  const parsed = roleSchema.safeParse(value);
  if (!parsed.success) throw new TypeError('stored author role is not a role');
  return parsed.data;
}

function toEvent(row: SqlRow): StoredRecordEvent {
  const members = membersSchema.safeParse(JSON.parse(rowText(row, 'members')));
  if (!members.success) throw new TypeError('stored members are not a member map');
  const authorUser = rowText(row, 'author_user');
  const role = row['author_role'];
  const org = row['author_org'];
  return {
    rowId: rowInt(row, 'row_id'),
    workspaceId: rowText(row, 'workspace_id'),
    seq: rowOptInt(row, 'seq'),
    authorKey: rowText(row, 'author_key'),
    authorUser,
    authorDevice: rowInt(row, 'author_device'),
    author: role === null ? undefined : { userId: authorUser, orgId: typeof org === 'string' ? org : null, role: readRole(role) },
    members: new Map(Object.entries(members.data)),
    clock: rowOptInt(row, 'clock'),
    payload: rowBytes(row, 'payload'),
    pending: rowInt(row, 'pending') === 1,
    refused: typeof row['refused'] === 'string' ? row['refused'] : undefined,
  };
}

/** SQL over records_events. */
export class RecordsStore {
  readonly #profile: ProfileDb;

  /** Operates on an open profile with the `records` migrations applied. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
  }

  /** A workspace's events in replay order: sequenced ones by seq, then the rest in the order they were made. */
  list(workspaceId: string): StoredRecordEvent[] {
    return this.#profile.db
      .prepare('SELECT * FROM records_events WHERE workspace_id = ? ORDER BY seq IS NULL, seq, row_id')
      .all([workspaceId])
      .map(toEvent);
  }

  /** Whether an event of this author and clock is stored. */
  has(workspaceId: string, authorKey: string, clock: number): boolean {
    return (
      this.#profile.db
        .prepare('SELECT 1 FROM records_events WHERE workspace_id = ? AND author_key = ? AND clock = ?', { pluck: true })
        .get([workspaceId, authorKey, clock]) !== undefined
    );
  }

  /** Store an event (received, or our own pending one). */
  insert(e: NewRecordEvent): void {
    this.#profile.db
      .prepare(
        `INSERT INTO records_events (workspace_id, seq, author_key, author_user, author_device, author_org, author_role, members,
           clock, payload, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run([
        e.workspaceId, e.seq ?? null, e.authorKey, e.authorUser, e.authorDevice, e.author?.orgId ?? null, e.author?.role ?? null,
        JSON.stringify(Object.fromEntries(e.members)), e.clock ?? null, toBytes(e.payload), e.pending ? 1 : 0,
      ]);
  }

  /** The oldest of our own unacknowledged events with exactly this payload. */
  findOwnPending(workspaceId: string, authorKey: string, payload: Uint8Array): number | undefined {
    const id = this.#profile.db
      .prepare(
        'SELECT row_id FROM records_events WHERE workspace_id = ? AND author_key = ? AND clock IS NULL AND payload = ? ORDER BY row_id LIMIT 1',
        { pluck: true },
      )
      .get([workspaceId, authorKey, toBytes(payload)]);
    return typeof id === 'number' ? id : undefined;
  }

  /** The server stored our event with this clock (`seq` unknown when only the clock is known). */
  markSent(rowId: number, clock: number, seq: number | undefined): void {
    this.#profile.db
      .prepare('UPDATE records_events SET pending = 0, clock = ?, seq = coalesce(?, seq) WHERE row_id = ?')
      .run([clock, seq ?? null, rowId]);
  }

  /** Set the seq of our own event that lacks it (it came back in a catch-up). */
  setSeq(workspaceId: string, authorKey: string, clock: number, seq: number): boolean {
    const result = this.#profile.db
      .prepare('UPDATE records_events SET seq = ?, pending = 0 WHERE workspace_id = ? AND author_key = ? AND clock = ? AND seq IS NULL')
      .run([seq, workspaceId, authorKey, clock]);
    return result.changes > 0;
  }

  /**
   * Pending again: our own events with clocks `fromClock`..`toClock` that the server
   * acknowledged but lost (docs/design.md §12). Returns their payloads, oldest first, to be
   * queued again.
   */
  markLost(workspaceId: string, authorKey: string, fromClock: number, toClock: number): Bytes[] {
    const rows = this.#profile.db
      .prepare('SELECT row_id, payload FROM records_events WHERE workspace_id = ? AND author_key = ? AND clock BETWEEN ? AND ? ORDER BY clock')
      .all([workspaceId, authorKey, fromClock, toClock]);
    const update = this.#profile.db.prepare('UPDATE records_events SET pending = 1, seq = NULL, clock = NULL, refused = NULL WHERE row_id = ?');
    for (const row of rows) update.run([rowInt(row, 'row_id')]);
    return rows.map((row) => rowBytes(row, 'payload'));
  }

  /** Forget an event (our own one the server refused for good). */
  remove(rowId: number): void {
    this.#profile.db.prepare('DELETE FROM records_events WHERE row_id = ?').run([rowId]);
  }

  /** Remember the refusal last reported for an event (undefined: it applies). */
  setRefused(rowId: number, code: string | undefined): void {
    this.#profile.db.prepare('UPDATE records_events SET refused = ? WHERE row_id = ?').run([code ?? null, rowId]);
  }
}
