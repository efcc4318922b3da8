/**
 * What the verified membership chain says happened in a workspace, for the case timeline
 * (issue 12): the opening, members added and removed, consent granted, changed and revoked,
 * statutory bases recorded and withdrawn (issue 13)
 * — each with its signed time and its author — and every person the chain ever named, with
 * the organisation and role the chain gave him and the name and organisation name his
 * certificates give. Only events this device verified (chain-store.ts) are read; nothing
 * here comes from a label the server supplies.
 */
import { CLIENTS_ORG_ID } from '@yhteispoyta/crypto/types';
import type { MembershipEvent, Role } from '@yhteispoyta/crypto/types';
import type { ChainHistory, ChainHistoryEntry, ChainPerson } from '../contracts';

/** Names from certificates (professionals) or the inviter's key messages (a client). */
export type PersonNames = (userId: string) => { readonly displayName?: string; readonly orgName?: string };

/** The history of a verified chain (events in seq order, the first its `create`); undefined when it has none. */
export function chainHistory(events: readonly MembershipEvent[], names: PersonNames): ChainHistory | undefined {
  const first = events[0];
  if (first?.type !== 'create') return undefined;
  const people = new Map<string, ChainPerson>();
  const learn = (userId: string, orgId: string, role: Role) => {
    if (people.has(userId)) return;
    const known = names(userId);
    people.set(userId, {
      userId,
      orgId: role === 'client' || orgId === CLIENTS_ORG_ID ? null : orgId,
      role,
      ...(known.displayName === undefined ? {} : { displayName: known.displayName }),
      ...(known.orgName === undefined ? {} : { orgName: known.orgName }),
    });
  };
  const entries: ChainHistoryEntry[] = [];
  let consentGiven = false;
  for (const event of events) {
    const base = { seq: event.seq, at: event.at, by: event.author.userId };
    switch (event.type) {
      case 'create':
        learn(event.payload.creator.userId, event.payload.creator.orgId, event.payload.creator.role);
        entries.push({ ...base, kind: 'case_opened' });
        break;
      case 'add_member':
        learn(event.payload.member.userId, event.payload.member.orgId, event.payload.member.role);
        entries.push({ ...base, kind: 'member_added', subject: event.payload.member.userId });
        break;
      case 'remove_member':
        entries.push({ ...base, kind: 'member_removed', subject: event.payload.userId });
        break;
      case 'grant_consent':
        entries.push({ ...base, kind: consentGiven ? 'consent_changed' : 'consent_granted', orgIds: [...event.payload.orgIds] });
        consentGiven = true;
        break;
      case 'revoke_consent':
        entries.push({ ...base, kind: 'consent_revoked', orgIds: [...event.payload.orgIds] });
        break;
      case 'record_basis':
        // The basis text is not in the chain (it travels encrypted); the processing view shows it.
        entries.push({ ...base, kind: event.payload.basisCommitment === null ? 'basis_withdrawn' : 'basis_recorded', subject: event.payload.userId });
        break;
      default:
        // Devices and key rotations are not phases of the case (the members' view lists devices).
        break;
    }
  }
  return { openedAt: first.at, entries, people };
}
