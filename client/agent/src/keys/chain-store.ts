/**
 * The verified membership chains on the profile: workspaces this device knows and their
 * events in order, each with the identity key it was verified against. Only events that
 * passed appendCheck against the locally verified state are ever written here.
 */
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { eventHash, parseMembershipEvent } from '@yhteispoyta/crypto/membership';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import type { ProfileDb } from '../profile/profile-db';

/** A stored event and the author key it was verified with. */
export interface StoredEvent {
  readonly event: MembershipEvent;
  readonly authorKey: Bytes;
}

/** What the device records about a workspace besides its chain. */
export interface WorkspaceRecord {
  readonly workspaceId: string;
  readonly lastActivityAt: number;
  readonly access: 'member' | 'revoked';
}

/** Workspaces and verified membership events on one profile. */
export class ChainStore {
  readonly #profile: ProfileDb;

  /** The store on an open profile whose `keys` migrations ran. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
  }

  /** Every known workspace. */
  workspaces(): WorkspaceRecord[] {
    return this.#profile.db
      .prepare('SELECT workspace_id, last_activity_at, access FROM keys_workspaces ORDER BY workspace_id')
      .all()
      .map((row) => ({
        workspaceId: String(row.workspace_id),
        lastActivityAt: Number(row.last_activity_at),
        access: row.access === 'revoked' ? 'revoked' : 'member',
      }));
  }

  /** The events of a workspace in seq order. Throws if a stored event does not parse (a bug, not an attack). */
  events(workspaceId: string): StoredEvent[] {
    return this.#profile.db
      .prepare('SELECT event, author_key FROM keys_membership_events WHERE workspace_id = ? ORDER BY seq')
      .all([workspaceId])
      .map((row) => {
        const parsed = parseMembershipEvent(JSON.parse(String(row.event)));
        if (!parsed.ok || !(row.author_key instanceof Uint8Array)) throw new Error(`stored event of ${workspaceId} does not parse`);
        return { event: parsed.event, authorKey: toBytes(row.author_key) };
      });
  }

  /** Append verified events (and run `alsoInTransaction`) atomically. */
  append(workspaceId: string, events: readonly StoredEvent[], alsoInTransaction?: () => void): void {
    this.#profile.transaction(() => {
      this.#profile.db.prepare('INSERT INTO keys_workspaces (workspace_id) VALUES (?) ON CONFLICT DO NOTHING').run([workspaceId]);
      const insert = this.#profile.db.prepare(
        'INSERT INTO keys_membership_events (workspace_id, seq, hash, event, author_key) VALUES (?, ?, ?, ?, ?)',
      );
      for (const { event, authorKey } of events) {
        insert.run([workspaceId, event.seq, eventHash(event), JSON.stringify(event), authorKey]);
      }
      alsoInTransaction?.();
    });
  }

  /** Record the server's last-activity time of a workspace this device already holds. */
  setLastActivity(workspaceId: string, at: number): void {
    this.#profile.db.prepare('UPDATE keys_workspaces SET last_activity_at = ? WHERE workspace_id = ?').run([at, workspaceId]);
  }

  /** Mark whether this device is still a member device of the workspace. */
  setAccess(workspaceId: string, access: 'member' | 'revoked'): void {
    this.#profile.db.prepare('UPDATE keys_workspaces SET access = ? WHERE workspace_id = ?').run([access, workspaceId]);
  }
}
