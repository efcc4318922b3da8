/**
 * Members grouped for display: by organisation (the client first, then organisations by
 * name), within each by role and name. An organisation's name is the one the deployment
 * root certifies when a certified member carries it (shown as verified), else the
 * directory's. Each member's standing says whether certificates back him: a member who is
 * not certified gets no keys and nothing he sends is accepted, so the page flags him.
 * Pure, so the grouping is tested without a page.
 */
import { CLIENTS_ORG_ID } from '@yhteispoyta/local-api';
import type { Member } from '@yhteispoyta/local-api';

/**
 * `certified`: certificates back the person and a device; `not_joined`: the chain names
 * no device of his yet (an invited client before he enrols); `uncertified`: the chain
 * names devices no certificate backs.
 */
export type MemberStanding = 'certified' | 'not_joined' | 'uncertified';

/** A member with the name to show and his standing. */
export interface NamedMember extends Member {
  readonly name: string;
  readonly standing: MemberStanding;
}

/** One organisation's members. */
export interface MemberGroup {
  readonly orgId: string;
  readonly orgName: string;
  /** the name is the one the deployment root certifies */
  readonly orgCertified: boolean;
  readonly members: readonly NamedMember[];
}

/**
 * Whether the client an invitation was made for has joined with it: the chain names him
 * from the moment of the invitation, with a device only once he used the code.
 */
export function invitationUsed(members: readonly Pick<Member, 'userId' | 'devices'>[], invitedUserId: string): boolean {
  return members.some((m) => m.userId === invitedUserId && m.devices.length > 0);
}

/** A member's standing. */
export function standingOf(member: Pick<Member, 'devices' | 'certified'>): MemberStanding {
  if (member.devices.length === 0) return 'not_joined';
  return member.certified ? 'certified' : 'uncertified';
}

/**
 * The name to show for a member: his certified name (for a client, the name his inviter
 * gave), else what the page otherwise knows (`known`: directory, or the client's own
 * announcement), else "client" for a client and the id for anyone else. An empty name
 * counts as none.
 */
export function memberName(
  member: { readonly userId: string; readonly role?: string; readonly displayName?: string },
  known: (userId: string) => string | undefined,
  clientLabel: string,
): string {
  const certified = member.displayName?.trim();
  if (certified !== undefined && certified !== '') return certified;
  const other = known(member.userId)?.trim();
  if (other !== undefined && other !== '') return other;
  return member.role === 'client' ? clientLabel : member.userId;
}

/** How many members are flagged: he, or a device of his, is named in the chain without a certificate behind it. */
export function flaggedCount(members: readonly Pick<Member, 'devices' | 'certified' | 'uncertifiedDevices'>[]): number {
  return members.filter((m) => standingOf(m) === 'uncertified' || m.uncertifiedDevices.length > 0).length;
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
    list.push({ ...member, name: personName(member), standing: standingOf(member) });
    groups.set(member.orgId, list);
  }
  const out = [...groups.entries()].map(([orgId, list]) => {
    const certifiedName = orgId === CLIENTS_ORG_ID ? undefined : list.find((m) => m.certified && m.orgName !== undefined && m.orgName !== '')?.orgName;
    return {
      orgId,
      orgName: certifiedName ?? orgName(orgId),
      orgCertified: certifiedName !== undefined,
      members: list.sort((a, b) => (a.role === b.role ? collator.compare(a.name, b.name) : collator.compare(a.role, b.role))),
    };
  });
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
export function mayAddFrom(
  orgId: string,
  workspace: { readonly kind: string; readonly members: readonly Pick<Member, 'role'>[]; readonly consent?: { readonly orgIds: readonly string[]; readonly expiresAt?: number } },
  now: number = Date.now(),
): boolean {
  if (workspace.kind !== 'case' || !workspace.members.some((m) => m.role === 'client')) return true;
  return consentActive(workspace.consent, now) && (workspace.consent?.orgIds.includes(orgId) ?? false);
}
