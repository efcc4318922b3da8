/**
 * The rules of the membership chain (docs/design.md §4): which event may follow which state, and the
 * state it leads to. The server runs {@link appendCheck} on every append; every client
 * replays the whole chain with the same function and trusts only the result.
 *
 * The invariant of issue 13: once the client has answered, no professional is a member of a
 * case unless his organisation is in the consent in force or an owner of his own organisation
 * has recorded a statutory basis for him (a signed `record_basis`, visible to the client).
 */
import { parseMembershipEvent } from './membership-schema';
import { eventHash, GENESIS_PREV_HASH, verifyEventSignature } from './membership-signing';
import type { IdentityKeyInput } from './signature-check';
import { deviceKey } from './types';
import type { ClockCut, ConsentEnding, DeviceRef, MemberDevice, MemberInfo, MembershipEvent, WorkspaceKind } from './types';

/** The client's consent currently in force in a case workspace (the latest grant, minus revocations). */
export interface Consent {
  readonly orgIds: readonly string[];
  /** commitment to the purpose; the text travels encrypted (workspace-texts.ts) */
  readonly purposeCommitment: string;
  readonly expiresAt?: number;
  readonly grantedBy: DeviceRef;
}

/**
 * A statutory basis in force for one professional (`record_basis`): the commitment to its
 * text (the text travels encrypted, workspace-texts.ts), where and when it was recorded, and
 * by whom (an owner of the member's own organisation).
 */
export interface Basis {
  readonly commitment: string;
  readonly seq: number;
  /** the recording device's signed time */
  readonly at: number;
  /** userId of the owner who recorded it */
  readonly recordedBy: string;
}

/**
 * A `rotate_epoch` as readers need it for freshness (docs/design.md §12): the epoch it
 * opened, where it is in the chain, its signed time, and its clock cut.
 */
export interface Rotation {
  /** the epoch the rotation opened (the one before it ended here) */
  readonly epoch: number;
  readonly seq: number;
  /** the rotating device's signed time */
  readonly at: number;
  readonly cut: readonly ClockCut[];
}

/** What a verified chain says about a workspace after its last event. */
export interface ChainState {
  readonly workspaceId: string;
  readonly kind: WorkspaceKind;
  /** commitment to the label; the text travels encrypted (workspace-texts.ts) */
  readonly labelCommitment: string;
  /** seq of the last accepted event */
  readonly seq: number;
  /** eventHash of the last accepted event: the next event's prevHash */
  readonly headHash: string;
  /** current epoch; 1 after create */
  readonly epoch: number;
  readonly closed: boolean;
  /** by userId */
  readonly members: ReadonlyMap<string, MemberInfo>;
  /** every device of every current member, ordered by userId then deviceId */
  readonly devices: readonly DeviceRef[];
  readonly consent: Consent | null;
  /**
   * whether the client has answered (signed a grant_consent or revoke_consent): from then on
   * no professional may be a member outside the consent (issue 13, {@link outsideConsent})
   */
  readonly consentAnswered: boolean;
  /** statutory bases in force, by the member's userId; a member with one is not outside the consent */
  readonly bases: ReadonlyMap<string, Basis>;
  /** set by remove_member, remove_device and revoke_consent; cleared by rotate_epoch */
  readonly rotationRequired: boolean;
  /** every rotation so far, oldest first */
  readonly rotations: readonly Rotation[];
}

/** Why an event was refused. */
export type ChainErrorCode =
  | 'malformed'
  | 'bad_signature'
  | 'unknown_author'
  | 'fork'
  | 'gap'
  | 'bad_prev_hash'
  | 'wrong_workspace'
  | 'forbidden'
  | 'consent_scope'
  | 'ownerless'
  | 'closed'
  | 'bad_epoch'
  | 'invalid';

/** A refusal; `seq` is the event's own seq, or the expected one when the event did not parse. */
export interface ChainError {
  readonly ok: false;
  readonly code: ChainErrorCode;
  readonly seq: number;
  readonly detail: string;
}

/** Result of {@link appendCheck}: the new state and the parsed event, or why it was refused. */
export type AppendResult = { readonly ok: true; readonly state: ChainState; readonly event: MembershipEvent } | ChainError;

/** Looks up a device's identity key (from the prekey directory or a verified cache). */
export type IdentityLookup = (ref: DeviceRef) => IdentityKeyInput | undefined;

/** The part of the state an event changes. */
type Change = Partial<Pick<ChainState, 'members' | 'consent' | 'consentAnswered' | 'bases' | 'epoch' | 'closed' | 'rotationRequired' | 'rotations'>>;
type Refusal = { readonly code: ChainErrorCode; readonly detail: string };

/**
 * Validates one event as the successor of `state` (null: the event must be the chain's
 * `create`). Checks run in order: parse → workspace → linearity (fork, gap, prevHash) →
 * author key known → signature → closed → author is a current member device → the event
 * type's rights and rules. Never mutates `state` and never throws on hostile input.
 */
export function appendCheck(state: ChainState | null, value: unknown, identityOf: IdentityLookup): AppendResult {
  const parsed = parseMembershipEvent(value);
  if (!parsed.ok) return refuse({ code: 'malformed', detail: parsed.detail }, state === null ? 0 : state.seq + 1);
  const event = parsed.event;
  const refusal = checkLinearity(state, event) ?? checkAuthorKey(event, identityOf);
  if (refusal !== undefined) return refuse(refusal, event.seq);
  if (state === null) {
    // checkLinearity guarantees a create here.
    if (event.type !== 'create') return refuse({ code: 'invalid', detail: 'chain must start with create' }, event.seq);
    const created = applyCreate(event);
    return 'code' in created ? refuse(created, event.seq) : { ok: true, state: created, event };
  }
  if (state.closed) return refuse({ code: 'closed', detail: 'workspace is closed' }, event.seq);
  const author = state.members.get(event.author.userId);
  if (author === undefined || !hasDevice(author, event.author.deviceId)) {
    return refuse({ code: 'forbidden', detail: 'author is not a current member device' }, event.seq);
  }
  const change = applyEvent(state, event, author);
  if ('code' in change) return refuse(change, event.seq);
  const members = change.members ?? state.members;
  const next: ChainState = {
    ...state,
    ...change,
    members,
    // A member who leaves takes his basis with him: recorded again if he is ever added again.
    bases: change.members === undefined ? (change.bases ?? state.bases) : basesOfMembers(change.bases ?? state.bases, members),
    devices: change.members === undefined ? state.devices : devicesOf(members),
    seq: event.seq,
    headHash: eventHash(event),
  };
  // The invariant of issue 13, checked on the state every event leads to (server and every agent).
  const outside = next.consentAnswered && !next.closed ? outsideConsent(next) : [];
  if (outside.length > 0) return refuse({ code: 'consent_scope', detail: `would keep ${outside.join(', ')} outside the client's consent` }, event.seq);
  return { ok: true, state: next, event };
}

function refuse(refusal: Refusal, seq: number): ChainError {
  return { ok: false, code: refusal.code, seq, detail: refusal.detail };
}

function checkLinearity(state: ChainState | null, event: MembershipEvent): Refusal | undefined {
  if (state === null) {
    if (event.type !== 'create') return { code: 'invalid', detail: 'chain must start with create' };
    if (event.seq !== 0) return { code: 'gap', detail: `create must have seq 0, not ${event.seq}` };
    if (event.prevHash !== GENESIS_PREV_HASH) return { code: 'bad_prev_hash', detail: 'create must have the genesis prevHash' };
    return undefined;
  }
  if (event.workspaceId !== state.workspaceId) return { code: 'wrong_workspace', detail: `event of workspace ${event.workspaceId}` };
  if (event.type === 'create') return { code: 'invalid', detail: 'create after the start of the chain' };
  if (event.seq <= state.seq) return { code: 'fork', detail: `seq ${event.seq} is already taken` };
  if (event.seq > state.seq + 1) return { code: 'gap', detail: `seq ${event.seq} after ${state.seq}` };
  if (event.prevHash !== state.headHash) return { code: 'bad_prev_hash', detail: 'prevHash is not the hash of the previous event' };
  return undefined;
}

function checkAuthorKey(event: MembershipEvent, identityOf: IdentityLookup): Refusal | undefined {
  const key = identityOf(event.author);
  if (key === undefined) return { code: 'unknown_author', detail: 'author device identity is not known' };
  if (!verifyEventSignature(event, key)) return { code: 'bad_signature', detail: 'signature does not verify' };
  return undefined;
}

function applyCreate(event: MembershipEvent<'create'>): ChainState | Refusal {
  const { kind, labelCommitment, creator } = event.payload;
  if (creator.userId !== event.author.userId || !hasDevice(creator, event.author.deviceId)) {
    return { code: 'forbidden', detail: 'create must be signed by a device of the creator' };
  }
  if (!creator.owner) return { code: 'forbidden', detail: 'the creator must be an owner' };
  // A client takes part in a case a professional created and invited him to; a client's own
  // "workspace" could add any professional unasked (issue 15: a phishing channel).
  if (creator.role === 'client') return { code: 'forbidden', detail: 'a client cannot create a workspace' };
  const members = new Map([[creator.userId, creator]]);
  return {
    workspaceId: event.workspaceId,
    kind,
    labelCommitment,
    seq: event.seq,
    headHash: eventHash(event),
    epoch: 1,
    closed: false,
    members,
    devices: devicesOf(members),
    consent: null,
    consentAnswered: false,
    bases: new Map(),
    rotationRequired: false,
    rotations: [],
  };
}

function applyEvent(state: ChainState, event: MembershipEvent, author: MemberInfo): Change | Refusal {
  const ownerOnly = (): Refusal | undefined => (author.owner ? undefined : { code: 'forbidden', detail: `${event.type} is for owners` });
  const ownerOrSelf = (userId: string): Refusal | undefined =>
    author.owner || author.userId === userId ? undefined : { code: 'forbidden', detail: `${event.type} is for owners or the user` };
  const clientOnly = (): Refusal | undefined => {
    if (author.role !== 'client') return { code: 'forbidden', detail: `${event.type} is for the client` };
    if (state.kind !== 'case') return { code: 'invalid', detail: 'consent exists only in case workspaces' };
    return undefined;
  };
  switch (event.type) {
    case 'create':
      return { code: 'invalid', detail: 'create after the start of the chain' };
    case 'add_member':
      return ownerOnly() ?? addMember(state, event);
    case 'remove_member':
      // Owners remove anyone; anyone may leave (declining an invitation is leaving).
      return ownerOrSelf(event.payload.userId) ?? removeMember(state, event.payload.userId);
    case 'add_device':
      return ownerOrSelf(event.payload.userId) ?? addDevice(state, event.payload.userId, { deviceId: event.payload.deviceId, keyHash: event.payload.keyHash });
    case 'remove_device':
      return ownerOrSelf(event.payload.userId) ?? removeDevice(state, event.payload.userId, event.payload.deviceId);
    case 'grant_consent': {
      const { orgIds, purposeCommitment, expiresAt } = event.payload;
      // The latest grant replaces the previous one and is the client's answer: professionals of
      // organisations it leaves out (also those added before the client joined) leave with it.
      const consent: Consent = { orgIds, purposeCommitment, grantedBy: event.author, ...(expiresAt === undefined ? {} : { expiresAt }) };
      return clientOnly() ?? answerConsent(state, consent, event.payload, false);
    }
    case 'revoke_consent': {
      const remaining = state.consent?.orgIds.filter((org) => !event.payload.orgIds.includes(org)) ?? [];
      const consent = state.consent === null || remaining.length === 0 ? null : { ...state.consent, orgIds: remaining };
      // A revocation always rotates (as before), a grant only when someone leaves with it.
      return clientOnly() ?? answerConsent(state, consent, event.payload, true);
    }
    case 'rotate_epoch': {
      if (event.payload.epoch !== state.epoch + 1) {
        return { code: 'bad_epoch', detail: `epoch ${event.payload.epoch} does not follow ${state.epoch}` };
      }
      const cut = event.payload.cut ?? [];
      // A cut ends what a device may still author under older epochs: never a current device.
      const current = new Set(state.devices.map(deviceKey));
      const member = cut.find((c) => current.has(c.device));
      if (member !== undefined) return { code: 'invalid', detail: `the clock cut names ${member.device}, a current member device` };
      const rotation: Rotation = { epoch: event.payload.epoch, seq: event.seq, at: event.at, cut };
      return { epoch: event.payload.epoch, rotationRequired: false, rotations: [...state.rotations, rotation] };
    }
    case 'close':
      return ownerOnly() ?? { closed: true };
    case 'record_basis':
      return ownerOnly() ?? recordBasis(state, event, author);
  }
}

/**
 * A statutory basis recorded or withdrawn (null) by an owner for a professional of the
 * owner's own organisation: an organisation answers for its own staff's legal basis, and an
 * owner of another organisation cannot use a "statute" to keep outsiders past the client's
 * consent. Withdrawing one that would leave the member outside the consent is refused by
 * appendCheck's invariant check (consent_scope): remove him instead.
 */
function recordBasis(state: ChainState, event: MembershipEvent<'record_basis'>, author: MemberInfo): Change | Refusal {
  if (state.kind !== 'case') return { code: 'invalid', detail: 'a statutory basis exists only in case workspaces' };
  const { userId, basisCommitment } = event.payload;
  const target = state.members.get(userId);
  if (target === undefined || target.role === 'client') return { code: 'invalid', detail: `${userId} is not a professional member` };
  if (target.orgId !== author.orgId) return { code: 'forbidden', detail: "a basis is recorded only for the owner's own organisation" };
  const bases = new Map(state.bases);
  if (basisCommitment === null) {
    if (!bases.delete(userId)) return { code: 'invalid', detail: `${userId} has no basis to withdraw` };
  } else {
    bases.set(userId, { commitment: basisCommitment, seq: event.seq, at: event.at, recordedBy: author.userId });
  }
  return { bases };
}

function addMember(state: ChainState, event: MembershipEvent<'add_member'>): Change | Refusal {
  const { member } = event.payload;
  if (state.members.has(member.userId)) return { code: 'invalid', detail: `${member.userId} is already a member` };
  if (member.role === 'client' && state.kind !== 'case') return { code: 'invalid', detail: 'a client may only be a member of a case' };
  if (state.kind === 'case' && member.role !== 'client' && hasClient(state.members)) {
    const consent = state.consent;
    const active = consent !== null && (consent.expiresAt === undefined || event.at < consent.expiresAt);
    if (!active) return { code: 'consent_scope', detail: 'no active consent of the client' };
    if (!consent.orgIds.includes(member.orgId)) return { code: 'consent_scope', detail: `organisation ${member.orgId} is outside the consent` };
  }
  return { members: withMember(state.members, member) };
}

function removeMember(state: ChainState, userId: string): Change | Refusal {
  if (!state.members.has(userId)) return { code: 'invalid', detail: `${userId} is not a member` };
  const members = new Map(state.members);
  members.delete(userId);
  return keepsAnOwnerDevice(members) ?? { members, rotationRequired: true };
}

function addDevice(state: ChainState, userId: string, device: MemberDevice): Change | Refusal {
  const member = state.members.get(userId);
  if (member === undefined) return { code: 'invalid', detail: `${userId} is not a member` };
  if (hasDevice(member, device.deviceId)) return { code: 'invalid', detail: `device ${userId}.${device.deviceId} already present` };
  return { members: withMember(state.members, { ...member, devices: [...member.devices, device] }) };
}

function removeDevice(state: ChainState, userId: string, deviceId: number): Change | Refusal {
  const member = state.members.get(userId);
  if (member === undefined || !hasDevice(member, deviceId)) {
    return { code: 'invalid', detail: `device ${userId}.${deviceId} is not present` };
  }
  const members = withMember(state.members, { ...member, devices: member.devices.filter((d) => d.deviceId !== deviceId) });
  return keepsAnOwnerDevice(members) ?? { members, rotationRequired: true };
}

/**
 * The client's answer (grant or revoke): the new consent, and only the professionals it
 * admits stay. The client's right to withdraw consent wins, but never leaves the case
 * without an owner by accident: an answer that removes every owner must hand ownership to a
 * remaining professional or close the case (issue 13).
 */
function answerConsent(state: ChainState, consent: Consent | null, ending: ConsentEnding, rotate: boolean): Change | Refusal {
  const admitted = new Set(consent?.orgIds ?? []);
  // Those with a statutory basis stay whatever the consent says (their organisation answers for it).
  const members = new Map([...state.members].filter(([, m]) => m.role === 'client' || admitted.has(m.orgId) || state.bases.has(m.userId)));
  const removedSome = members.size < state.members.size;
  const base = { consent, consentAnswered: true, ...(removedSome || rotate ? { rotationRequired: true } : {}) };
  const { handOverTo, close } = ending;
  if (keepsAnOwnerDevice(members) === undefined) {
    if (handOverTo !== undefined || close !== undefined) {
      return { code: 'invalid', detail: 'a hand-over or closing belongs only to an answer that removes every owner' };
    }
    return { ...base, members };
  }
  if (handOverTo !== undefined && close !== undefined) return { code: 'invalid', detail: 'either a hand-over or closing, not both' };
  if (close !== undefined) return { ...base, members, closed: true };
  if (handOverTo === undefined) {
    return { code: 'ownerless', detail: 'the answer removes every owner: hand the case over or close it' };
  }
  const heir = members.get(handOverTo);
  if (heir === undefined || heir.role === 'client' || heir.devices.length === 0) {
    return { code: 'invalid', detail: `${handOverTo} is not a remaining professional with a device` };
  }
  return { ...base, members: withMember(members, { ...heir, owner: true }) };
}

/**
 * Professionals (userIds, sorted) whose organisation is outside the client's consent in a
 * case with a client and who have no statutory basis recorded: before the client's first
 * answer, those he is asked about (all of them while he has not consented); after it, always
 * none (appendCheck refuses the rest). Expiry is not counted: an expired consent stops
 * additions, not the members in it.
 */
export function outsideConsent(state: ChainState): string[] {
  if (state.kind !== 'case' || !hasClient(state.members)) return [];
  const admitted = new Set(state.consent?.orgIds ?? []);
  return [...state.members.values()]
    .filter((m) => m.role !== 'client' && !admitted.has(m.orgId) && !state.bases.has(m.userId))
    .map((m) => m.userId)
    .sort();
}

/** Without an owner device nobody could ever add, remove or close again. */
function keepsAnOwnerDevice(members: ReadonlyMap<string, MemberInfo>): Refusal | undefined {
  for (const m of members.values()) if (m.owner && m.devices.length > 0) return undefined;
  return { code: 'invalid', detail: 'would leave no owner device' };
}

/** Whether the member has the device `deviceId` in the chain. */
export function hasDevice(member: MemberInfo, deviceId: number): boolean {
  return member.devices.some((d) => d.deviceId === deviceId);
}

function hasClient(members: ReadonlyMap<string, MemberInfo>): boolean {
  for (const m of members.values()) if (m.role === 'client') return true;
  return false;
}

function withMember(members: ReadonlyMap<string, MemberInfo>, member: MemberInfo): Map<string, MemberInfo> {
  return new Map(members).set(member.userId, member);
}

function basesOfMembers(bases: ReadonlyMap<string, Basis>, members: ReadonlyMap<string, MemberInfo>): ReadonlyMap<string, Basis> {
  if ([...bases.keys()].every((userId) => members.has(userId))) return bases;
  return new Map([...bases].filter(([userId]) => members.has(userId)));
}

function devicesOf(members: ReadonlyMap<string, MemberInfo>): DeviceRef[] {
  return [...members.values()]
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0))
    .flatMap((m) => m.devices.map((d) => d.deviceId).sort((a, b) => a - b).map((deviceId) => ({ userId: m.userId, deviceId })));
}
