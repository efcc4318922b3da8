/**
 * People as the exports and the files list name them: the name and organisation name from
 * verified certificates (the MembershipService's members), the organisation and role an
 * event's author had in the verified chain when the event was applied. Nothing here comes
 * from the server's metadata.
 */
import { CLIENTS_ORG_ID } from '@yhteispoyta/local-api';
import type { VerifiedPerson } from '@yhteispoyta/local-api';
import type { Role } from '@yhteispoyta/crypto/types';
import type { MemberView } from '../contracts';

/** The organisation and role the verified chain gave an author when his event was applied. */
export interface AuthorAtEvent {
  /** null for the client; undefined when the chain no longer knew him */
  readonly orgId?: string | null;
  readonly role?: Role;
}

/** Names people of one workspace. */
export type PersonOf = (userId: string, atEvent?: AuthorAtEvent) => VerifiedPerson;

/** A {@link PersonOf} over the workspace's current members (certified names and organisation names). */
export function peopleOf(members: readonly MemberView[]): PersonOf {
  const byId = new Map(members.map((m) => [m.userId, m]));
  return (userId, atEvent) => {
    const member = byId.get(userId);
    const role = atEvent?.role ?? member?.role;
    const chainOrg = atEvent?.orgId !== undefined ? atEvent.orgId : member?.orgId;
    // A client belongs to no organisation, whatever the chain's bookkeeping calls his.
    const orgId = role === 'client' || chainOrg === CLIENTS_ORG_ID || chainOrg === undefined ? null : chainOrg;
    // The certified organisation name only when it names the organisation the event was made in.
    const orgName = member?.orgName !== undefined && member.orgId === orgId ? member.orgName : undefined;
    return {
      userId,
      ...(member?.displayName === undefined ? {} : { displayName: member.displayName }),
      orgId,
      ...(orgName === undefined ? {} : { orgName }),
      ...(role === undefined ? {} : { role }),
    };
  };
}
