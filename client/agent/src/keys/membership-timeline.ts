/**
 * What the chat shows as system notices ("Maija liittyi", "Anna poisti Pekan työtilasta",
 * "asiakas antoi suostumuksen", "Anna kirjasi lakisääteisen perusteen: Pekka"), read from this device's verified membership chain and
 * never from text the server sends; and the people who were members once, so that their
 * old messages keep the organisation they wrote under. Pure: the caller names people.
 */
import type { DeviceRef, MemberInfo, MembershipEvent } from '@yhteispoyta/crypto/types';
import type { FormerMember, MemberNotice } from '../contracts';

/** Names from certificates (or the client's name his inviter gave); undefined when unknown. */
export interface TimelineNames {
  nameOf(userId: string): string | undefined;
  orgNameOf(userId: string): string | undefined;
}

/** The chain's joins, removals, departures and consent changes, oldest first, and who is no longer a member. */
export function membershipTimeline(
  events: readonly MembershipEvent[],
  names: TimelineNames,
): { notices: MemberNotice[]; formerMembers: FormerMember[] } {
  const notices: MemberNotice[] = [];
  const members = new Map<string, MemberInfo>();
  const former = new Map<string, FormerMember>();
  const byOf = (author: DeviceRef) => {
    const byName = names.nameOf(author.userId);
    return { by: { userId: author.userId, deviceId: author.deviceId }, ...(byName === undefined ? {} : { byName }) };
  };
  const person = (userId: string) => {
    const displayName = names.nameOf(userId);
    return { userId, ...(displayName === undefined ? {} : { displayName }) };
  };
  for (const event of events) {
    const base = { at: event.at, seq: event.seq, ...byOf(event.author) };
    switch (event.type) {
      case 'create':
        members.set(event.payload.creator.userId, event.payload.creator);
        break;
      case 'add_member': {
        const { member } = event.payload;
        members.set(member.userId, member);
        former.delete(member.userId);
        notices.push({ ...base, kind: 'joined', ...person(member.userId), orgId: member.orgId });
        break;
      }
      case 'remove_member': {
        const { userId } = event.payload;
        const info = members.get(userId);
        members.delete(userId);
        const left = event.author.userId === userId;
        notices.push({ ...base, kind: left ? 'left' : 'removed', ...person(userId), ...(info === undefined ? {} : { orgId: info.orgId }) });
        if (info !== undefined) {
          const displayName = names.nameOf(userId);
          const orgName = names.orgNameOf(userId);
          former.set(userId, {
            userId,
            orgId: info.orgId,
            role: info.role,
            ...(displayName === undefined ? {} : { displayName }),
            ...(orgName === undefined ? {} : { orgName }),
            removedAt: event.at,
            removedBy: base.by,
            left,
          });
        }
        break;
      }
      case 'grant_consent':
        notices.push({ ...base, kind: 'consent_granted', orgIds: [...event.payload.orgIds] });
        break;
      case 'revoke_consent':
        notices.push({ ...base, kind: 'consent_revoked', orgIds: [...event.payload.orgIds] });
        break;
      case 'record_basis': {
        const { userId } = event.payload;
        const orgId = members.get(userId)?.orgId;
        const kind = event.payload.basisCommitment === null ? 'basis_withdrawn' : 'basis_recorded';
        notices.push({ ...base, kind, ...person(userId), ...(orgId === undefined ? {} : { orgId }) });
        break;
      }
      default:
        break;
    }
  }
  return { notices, formerMembers: [...former.values()] };
}

/**
 * The last event that took `device` out of the workspace: its person's removal (by someone
 * else or himself), its own removal, or — for a client's professional — none of these (a
 * consent revocation removes nobody by itself). Undefined when the chain has none.
 */
export function lastRemovalOf(events: readonly MembershipEvent[], device: DeviceRef): MembershipEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event === undefined) continue;
    if (event.type === 'remove_member' && event.payload.userId === device.userId) return event;
    if (event.type === 'remove_device' && event.payload.userId === device.userId && event.payload.deviceId === device.deviceId) return event;
  }
  return undefined;
}
