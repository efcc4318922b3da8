/**
 * Members grouped for display: by organisation (the client first, then organisations by
 * name), within each by role and name. Pure, so the grouping is tested without a page.
 */
import { CLIENTS_ORG_ID } from '../api/schemas';
import type { Member } from '../api/schemas';

/** A member with the name to show. */
export interface NamedMember extends Member {
  readonly name: string;
}

/** One organisation's members. */
export interface MemberGroup {
  readonly orgId: string;
  readonly orgName: string;
  readonly members: readonly NamedMember[];
}

/** Group members by organisation. `orgName` and `personName` may not know an id: it is shown as is. */
export function groupMembers(
  members: readonly Member[],
  orgName: (orgId: string) => string,
  personName: (member: Member) => string,
  collator: Intl.Collator = new Intl.Collator(),
): MemberGroup[] {
  const groups = new Map<string, NamedMember[]>();
  for (const member of members) {
    const list = groups.get(member.orgId) ?? [];
    list.push({ ...member, name: personName(member) });
    groups.set(member.orgId, list);
  }
  const out = [...groups.entries()].map(([orgId, list]) => ({
    orgId,
    orgName: orgName(orgId),
    members: list.sort((a, b) => (a.role === b.role ? collator.compare(a.name, b.name) : collator.compare(a.role, b.role))),
  }));
  return out.sort((a, b) => (a.orgId === CLIENTS_ORG_ID ? -1 : b.orgId === CLIENTS_ORG_ID ? 1 : collator.compare(a.orgName, b.orgName)));
}

/** Whether a consent is in force at `now`. */
export function consentActive(consent: { readonly expiresAt?: number } | undefined, now: number = Date.now()): boolean {
  return consent !== undefined && (consent.expiresAt === undefined || now < consent.expiresAt);
}

/**
 * Whether a professional of `orgId` may be added now. In a case with a client member the
 * client's consent must be in force and name the organisation (the agents and the server
 * enforce the same rule; the UI only explains it in advance).
 */
export function mayAddFrom(orgId: string, workspace: { readonly kind: string; readonly members: readonly Member[]; readonly consent?: { readonly orgIds: readonly string[]; readonly expiresAt?: number } }, now: number = Date.now()): boolean {
  if (workspace.kind !== 'case' || !workspace.members.some((m) => m.role === 'client')) return true;
  return consentActive(workspace.consent, now) && (workspace.consent?.orgIds.includes(orgId) ?? false);
}
