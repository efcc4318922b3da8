/**
 * The consent history and each member's basis of access, read from the membership chain
 * this device verified (issue 13): every grant and revocation the client's own device
 * signed, with its signed time, the organisations in force after it, who left with it,
 * and an expiry the consent named once it has passed; members a statutory basis keeps
 * (record_basis) do not leave with a step. Pure over the verified events.
 */
import type { Basis, ChainState } from '@yhteispoyta/crypto/membership';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import type { AccessBasis, ConsentStep } from '@yhteispoyta/local-api/processing';

/** Looks up a purpose (or basis) text by the commitment an event names. */
export type PurposeLookup = (commitment: string) => string | undefined;

/** The consent steps, oldest first; an expiry in the past is its own step. `nameOf` names who left (no longer members). */
export function consentHistory(
  events: readonly MembershipEvent[],
  purposeOf: PurposeLookup,
  now: number,
  nameOf: (userId: string) => string | undefined = () => undefined,
): ConsentStep[] {
  const steps: ConsentStep[] = [];
  let inForce: string[] = [];
  let expiresAt: number | undefined;
  let members = new Map<string, string>(); // userId → orgId of professionals
  const withBasis = new Set<string>(); // professionals a statutory basis keeps whatever the consent
  const flushExpiry = (before: number): void => {
    if (expiresAt !== undefined && expiresAt <= before && inForce.length > 0) {
      steps.push({ at: expiresAt, kind: 'expired', orgIds: [], revokedOrgIds: [...inForce], removed: [] });
      expiresAt = undefined;
    }
  };
  for (const event of events) {
    flushExpiry(event.at);
    switch (event.type) {
      case 'create':
        if (event.payload.creator.role !== 'client') members.set(event.payload.creator.userId, event.payload.creator.orgId);
        break;
      case 'add_member':
        if (event.payload.member.role !== 'client') members.set(event.payload.member.userId, event.payload.member.orgId);
        break;
      case 'remove_member':
        members.delete(event.payload.userId);
        withBasis.delete(event.payload.userId);
        break;
      case 'record_basis':
        if (event.payload.basisCommitment === null) withBasis.delete(event.payload.userId);
        else withBasis.add(event.payload.userId);
        break;
      case 'grant_consent':
      case 'revoke_consent': {
        const granted = event.type === 'grant_consent';
        const after = granted ? [...event.payload.orgIds] : inForce.filter((o) => !event.payload.orgIds.includes(o));
        const stays = ([userId, org]: [string, string]): boolean => after.includes(org) || withBasis.has(userId);
        const removed = [...members]
          .filter((m) => !stays(m))
          .map(([userId]) => {
            const displayName = nameOf(userId);
            return displayName === undefined ? { userId } : { userId, displayName };
          });
        members = new Map([...members].filter(stays));
        const purpose = granted ? purposeOf(event.payload.purposeCommitment) : undefined;
        steps.push({
          at: event.at,
          kind: granted ? (steps.some((s) => s.kind === 'granted' || s.kind === 'changed') ? 'changed' : 'granted') : 'revoked',
          orgIds: after,
          revokedOrgIds: inForce.filter((o) => !after.includes(o)),
          ...(purpose === undefined ? {} : { purpose }),
          ...(granted && event.payload.expiresAt !== undefined ? { expiresAt: event.payload.expiresAt } : {}),
          removed,
          ...(event.payload.handOverTo === undefined ? {} : { handOverTo: event.payload.handOverTo }),
          ...(event.payload.close === undefined ? {} : { closed: true }),
        });
        inForce = after;
        expiresAt = granted ? event.payload.expiresAt : expiresAt;
        break;
      }
      default:
        break;
    }
  }
  flushExpiry(now);
  return steps;
}

/**
 * Each current member with why he may see the case: a statutory basis in force comes first
 * (it is what keeps him whatever the consent says), with its text when this device holds the
 * one the chain commits to — without it the view still says a basis is recorded.
 */
export function accessBases(
  state: ChainState,
  events: readonly MembershipEvent[],
  describe: (userId: string) => { displayName?: string; orgName?: string },
  basisText: PurposeLookup = () => undefined,
): AccessBasis[] {
  const hasClient = [...state.members.values()].some((m) => m.role === 'client');
  const addedAt = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'create') addedAt.set(e.payload.creator.userId, e.at);
    if (e.type === 'add_member') addedAt.set(e.payload.member.userId, e.at);
  }
  // The latest consent event that admits an organisation (and is still the one in force for it).
  const since = new Map<string, number>();
  for (const e of events) {
    if (e.type === 'grant_consent') {
      for (const org of [...since.keys()]) if (!e.payload.orgIds.includes(org)) since.delete(org);
      for (const org of e.payload.orgIds) if (!since.has(org)) since.set(org, e.at);
    }
    if (e.type === 'revoke_consent') for (const org of e.payload.orgIds) since.delete(org);
  }
  return [...state.members.values()].map((m) => {
    const known = describe(m.userId);
    const recorded = m.role === 'client' ? undefined : state.bases.get(m.userId);
    const basis: AccessBasis['basis'] =
      m.role === 'client'
        ? 'self'
        : recorded !== undefined
          ? 'statute'
          : !hasClient || state.kind !== 'case'
            ? 'no_client'
            : state.consent?.orgIds.includes(m.orgId) === true
              ? 'consent'
              : 'awaiting_answer';
    const consentAt = basis === 'consent' ? since.get(m.orgId) : undefined;
    const added = addedAt.get(m.userId);
    const statute = recorded === undefined ? undefined : statuteOf(recorded, basisText, describe);
    return {
      userId: m.userId,
      ...(known.displayName === undefined ? {} : { displayName: known.displayName }),
      orgId: m.orgId,
      ...(known.orgName === undefined ? {} : { orgName: known.orgName }),
      role: m.role,
      owner: m.owner,
      basis,
      ...(consentAt === undefined ? {} : { since: consentAt }),
      ...(statute === undefined ? {} : { statute }),
      ...(added === undefined ? {} : { addedAt: added }),
    };
  });
}

function statuteOf(recorded: Basis, basisText: PurposeLookup, describe: (userId: string) => { displayName?: string }): NonNullable<AccessBasis['statute']> {
  const text = basisText(recorded.commitment);
  const recordedByName = describe(recorded.recordedBy).displayName;
  return {
    ...(text === undefined ? {} : { text }),
    at: recorded.at,
    recordedBy: recorded.recordedBy,
    ...(recordedByName === undefined ? {} : { recordedByName }),
  };
}
