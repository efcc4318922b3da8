/**
 * Membership against certificates: the chain says who is a member of a workspace; only
 * certificates say who that person is and which devices are his. An agent hands keys to,
 * and accepts envelopes from, exactly the chain's devices that these checks pass.
 */
import type { ChainState } from '../membership-rules';
import { CLIENTS_ORG_ID } from '../types';
import type { DeviceRef, MemberInfo } from '../types';
import type { VerifiedPerson } from './person';

/** Why a member or device of the chain is not trusted. */
export type MemberFindingCode =
  /** no verified certificate for the person, or none for this device and key */
  | 'uncertified'
  /** the chain names an organisation or role the person's certificate does not */
  | 'org_mismatch'
  /** a client certified for another workspace */
  | 'wrong_workspace'
  /** the device's (or person's) certificate was revoked */
  | 'revoked';

export interface MemberFinding {
  readonly code: MemberFindingCode;
  readonly userId: string;
  /** absent when the finding concerns the person as a whole */
  readonly deviceId?: number;
  readonly detail: string;
}

/**
 * Whether the chain's record of a person (organisation, role; for a client the workspace)
 * agrees with his verified certificate. Undefined when it does; the finding otherwise.
 * A member whose organisation differs must never count for the consent scope.
 */
export function checkMemberPerson(member: MemberInfo, person: VerifiedPerson | undefined, workspaceId: string): MemberFinding | undefined {
  const { userId } = member;
  if (person === undefined) return { code: 'uncertified', userId, detail: `${userId} has no verified certificate` };
  if (person.kind === 'professional') {
    if (member.orgId !== person.orgId || member.role !== person.role) {
      return {
        code: 'org_mismatch',
        userId,
        detail: `the chain names ${userId} as ${member.role} of ${member.orgId}, the certificate says ${person.role} of ${person.orgId}`,
      };
    }
    return undefined;
  }
  if (member.role !== 'client' || member.orgId !== CLIENTS_ORG_ID) {
    return { code: 'org_mismatch', userId, detail: `${userId} is certified as a client, the chain names ${member.role} of ${member.orgId}` };
  }
  if (!person.cases.has(workspaceId)) return { code: 'wrong_workspace', userId, detail: `${userId} is certified as a client of another workspace` };
  return undefined;
}

/** Whether the chain's device (id + key hash) is a certified, unrevoked device of the person. */
export function checkMemberDevice(userId: string, device: { deviceId: number; keyHash: string }, person: VerifiedPerson | undefined): MemberFinding | undefined {
  const at = { userId, deviceId: device.deviceId };
  if (person === undefined) return { code: 'uncertified', ...at, detail: `${userId} has no verified certificate` };
  if (person.devices.some((d) => d.deviceId === device.deviceId && d.keyHash === device.keyHash)) return undefined;
  if (person.revokedDevices.some((d) => d.deviceId === device.deviceId && d.keyHash === device.keyHash)) {
    return { code: 'revoked', ...at, detail: `device ${userId}.${device.deviceId} was revoked by its owner` };
  }
  return { code: 'uncertified', ...at, detail: `device ${userId}.${device.deviceId} with this key has no certificate of ${userId}` };
}

/** Looks up the verified person of a user id (undefined: not verified). */
export type PersonLookup = (userId: string) => VerifiedPerson | undefined;

/** The chain's devices split into those certificates back and the findings about the rest. */
export interface CertifiedMembership {
  /** current member devices whose person and device checks pass */
  readonly trusted: readonly DeviceRef[];
  readonly findings: readonly MemberFinding[];
}

/** Check every current member and device of a verified chain state against certificates. */
export function certifiedMembership(state: ChainState, personOf: PersonLookup): CertifiedMembership {
  const trusted: DeviceRef[] = [];
  const findings: MemberFinding[] = [];
  for (const member of state.members.values()) {
    // A member without devices (an invited client who has not enrolled) holds and sends nothing.
    if (member.devices.length === 0) continue;
    const person = personOf(member.userId);
    const personFinding = checkMemberPerson(member, person, state.workspaceId);
    if (personFinding !== undefined) {
      findings.push(personFinding);
      continue;
    }
    for (const device of member.devices) {
      const finding = checkMemberDevice(member.userId, device, person);
      if (finding === undefined) trusted.push({ userId: member.userId, deviceId: device.deviceId });
      else findings.push(finding);
    }
  }
  return { trusted, findings };
}
