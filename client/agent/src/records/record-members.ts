/**
 * Who someone is for the records' rules, from the verified membership chain only: a
 * member's organisation and role; the client belongs to no organisation.
 */
import type { ChainState } from '@yhteispoyta/crypto/membership';
import type { MemberInfo } from '@yhteispoyta/crypto/types';
import type { RecordAuthor, RecordMember } from './record-book';

/** A member as the rules see him. */
export function authorOf(member: Pick<MemberInfo, 'userId' | 'orgId' | 'role'>): RecordAuthor {
  return { userId: member.userId, orgId: member.role === 'client' ? null : member.orgId, role: member.role };
}

/** The chain's current members as the rules see them (none without a verified chain). */
export function membersOf(chain: Pick<ChainState, 'members'> | undefined): Map<string, RecordMember> {
  const members = new Map<string, RecordMember>();
  for (const member of chain?.members.values() ?? []) {
    const { orgId, role } = authorOf(member);
    members.set(member.userId, { orgId, role });
  }
  return members;
}
