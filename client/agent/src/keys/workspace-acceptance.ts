/**
 * Invitations, not conscription (issue 15): a professional whom someone else added to a
 * workspace first sees who invited him and to what, and accepts or declines. Until he
 * accepts, the workspace is not among his (the local API lists it only as an invitation and
 * opens none of its documents or chat). The decision is his device's own and lives in his
 * profile: nothing the server sends can mark a workspace accepted — the server can only
 * withhold or show chains every agent verifies, and a chain can prove acceptance only
 * by an event a device of this very person signed.
 *
 * A client is never asked: he joined his case by typing the invitation code himself.
 */
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import type { Role } from '@yhteispoyta/crypto/types';
import { defineMigrations } from '../profile/migrations';
import type { ProfileDb } from '../profile/profile-db';

/** The profile's table of decisions (its own migration set). */
const ACCEPTANCE_MIGRATIONS = defineMigrations('acceptance', [
  `CREATE TABLE workspace_acceptance (
    workspace_id TEXT PRIMARY KEY,
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'declined')),
    decided_at INTEGER NOT NULL
  ) STRICT`,
]);

/** A person's decision on one workspace. */
export type AcceptanceDecision = 'accepted' | 'declined';

/** The decisions this profile made, one per workspace. */
export class AcceptanceStore {
  readonly #profile: ProfileDb;

  /** Over an open profile; applies the `acceptance` migrations. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
    profile.migrate(ACCEPTANCE_MIGRATIONS);
  }

  decision(workspaceId: string): AcceptanceDecision | undefined {
    const value = this.#profile.db.prepare('SELECT decision FROM workspace_acceptance WHERE workspace_id = ?', { pluck: true }).get([workspaceId]);
    return value === 'accepted' || value === 'declined' ? value : undefined;
  }

  record(workspaceId: string, decision: AcceptanceDecision, at: number): void {
    this.#profile.db
      .prepare(
        'INSERT INTO workspace_acceptance (workspace_id, decision, decided_at) VALUES (?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET decision = excluded.decision, decided_at = excluded.decided_at',
      )
      .run([workspaceId, decision, at]);
  }
}

/** Who this device's person is, as acceptance needs it. */
export interface AcceptingPerson {
  readonly userId: string;
  readonly role: Role;
}

/**
 * Whether the verified chain itself shows the person chose to be in the workspace: he
 * created it, or one of his devices signed an event in it (on another device he accepted
 * and, say, added this one). Only his own signatures count, which the server cannot make.
 */
function chosenByChain(events: readonly MembershipEvent[], person: AcceptingPerson): boolean {
  return events.some((event) => event.author.userId === person.userId);
}

/** The `add_member` event that brought the person in (the latest, should he have been added twice). */
export function invitationEvent(events: readonly MembershipEvent[], userId: string): MembershipEvent<'add_member'> | undefined {
  let found: MembershipEvent<'add_member'> | undefined;
  for (const event of events) if (event.type === 'add_member' && event.payload.member.userId === userId) found = event;
  return found;
}

/** Where the person stands with a workspace whose verified chain names him a member. */
export type Standing = 'member' | 'invited' | 'declined';

/** The person's standing: a client, a creator or an accepted invitation is a member; a decision wins over nothing. */
export function standingOf(decision: AcceptanceDecision | undefined, events: readonly MembershipEvent[], person: AcceptingPerson): Standing {
  if (person.role === 'client') return 'member';
  if (decision === 'accepted') return 'member';
  if (decision === 'declined') return 'declined';
  return chosenByChain(events, person) ? 'member' : 'invited';
}
