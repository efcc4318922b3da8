/**
 * The membership operations the UI offers (contracts.ts MembershipService), on top of
 * this device's verified chains: every change is a signed event checked locally before
 * it is sent; removals and consent revocations are followed by a rotation whose fresh key
 * reaches the remaining devices only; a new member receives the key of the current epoch
 * only, so he reads the current state but nothing sealed under earlier epochs.
 *
 * Who a person is — organisation, role, devices — comes from certificates only: a
 * professional is added with the organisation and role his organisation's certificate
 * gives and exactly his certified devices (named by key hash); the server's directory is
 * only a list of candidates to choose from.
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { certifiedMembership } from '@yhteispoyta/crypto/certificates/membership-check';
import { outsideConsent } from '@yhteispoyta/crypto/membership';
import { workspaceLabelSchema } from '@yhteispoyta/crypto/protocol';
import { safetyNumber } from '@yhteispoyta/crypto/safety';
import { MAX_TEXT_CHARS, newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';
import { CLIENTS_ORG_ID } from '@yhteispoyta/crypto/types';
import type { DeviceRef, MemberDevice, Role, WorkspaceKind } from '@yhteispoyta/crypto/types';
import type { ChainHistory, ConsentEndingChoice, FormerMember, IdentityInfo, MemberNotice, MemberView, MembershipService, ProblemSink, RemovalView, WorkspaceInvitation, WorkspaceNotice, WorkspaceSummary } from '../contracts';
import { RestError } from '../contracts';
import type { FurtherInvitationResult } from '../account/further-invitation';
import type { ClientNames } from '../identity/client-names';
import type { WorkspaceTexts } from '../identity/workspace-texts';
import type { Invitations } from '../identity/invitations';
import { chainHistory } from './chain-history';
import type { ChainStore } from './chain-store';
import type { ChainWriter, KeysDevice } from './chain-writer';
import type { Directory } from './directory';
import type { KeySender } from './key-sender';
import type { MailboxReceiver } from './mailbox-receiver';
import { MembershipError } from './membership-error';
import { lastRemovalOf, membershipTimeline } from './membership-timeline';
import type { MembershipSync } from './membership-sync';
import { invitationEvent, standingOf } from './workspace-acceptance';
import type { AcceptanceStore } from './workspace-acceptance';
import type { TrustedIdentities } from './trusted-identities';

/** The parts the service composes. */
export interface MembershipServiceParts {
  /** redeem a further invitation code with this enrolled device (account/further-invitation.ts) */
  readonly redeemCode: (code: string) => Promise<FurtherInvitationResult>;
  readonly sync: MembershipSync;
  readonly chains: ChainStore;
  readonly writer: ChainWriter;
  readonly sender: KeySender;
  readonly receiver: MailboxReceiver;
  readonly directory: Directory;
  readonly identities: TrustedIdentities;
  readonly invitations: Invitations;
  readonly names: ClientNames;
  /** labels and consent purposes: the chain holds commitments, the texts travel encrypted */
  readonly texts: WorkspaceTexts;
  readonly problems: ProblemSink;
  /** this person's decisions on invitations (workspace-acceptance.ts) */
  readonly acceptance: AcceptanceStore;
}

/** {@link MembershipService} of one device. */
export class LocalMembershipService implements MembershipService {
  readonly #device: KeysDevice;
  readonly #p: MembershipServiceParts;
  /** workspaceId → creator's userId; a chain's first event never changes */
  readonly #creators = new Map<string, string>();

  /** The service of `device`. */
  constructor(device: KeysDevice, parts: MembershipServiceParts) {
    this.#device = device;
    this.#p = parts;
  }

  async list(): Promise<WorkspaceSummary[]> {
    const records = this.#p.chains.workspaces().filter((w) => w.access === 'member');
    return records.flatMap((w) => {
      const summary = this.#summary(w.workspaceId);
      return summary === undefined ? [] : [summary];
    });
  }

  async removals(): Promise<RemovalView[]> {
    const { identities } = this.#p;
    const self = this.#device.self;
    const out: RemovalView[] = [];
    for (const record of this.#p.chains.workspaces()) {
      if (record.access !== 'revoked') continue;
      const state = this.#p.sync.state(record.workspaceId);
      const events = this.#p.chains.events(record.workspaceId).map(({ event }) => event);
      const removal = lastRemovalOf(events, self);
      const person = removal === undefined ? undefined : identities.book.person(removal.author.userId);
      const by =
        removal === undefined
          ? undefined
          : {
              userId: removal.author.userId,
              ...(person?.kind === 'professional' ? { displayName: person.displayName, orgName: person.orgName } : {}),
              ...(person?.kind !== 'professional' ? nameField(this.#p.names.nameOf(removal.author.userId)) : {}),
            };
      out.push({
        workspaceId: record.workspaceId,
        label: state === undefined ? '' : (this.#p.texts.labelOf(state) ?? ''),
        ...(removal === undefined ? {} : { at: removal.at }),
        ...(by === undefined ? {} : { by }),
        left: removal !== undefined && removal.author.userId === self.userId,
      });
    }
    return out.sort((a, b) => (b.at ?? 0) - (a.at ?? 0));
  }

  async create(kind: WorkspaceKind, label: string): Promise<WorkspaceSummary> {
    if (!workspaceLabelSchema.safeParse(label).success) throw new MembershipError('malformed', 'the label must be 1-200 characters without control characters');
    const creator = await this.#ownCertifiedDevices();
    // Every agent refuses a chain a client created (crypto's rules): a professional creates the case and invites the client.
    if (creator.role === 'client') throw new MembershipError('forbidden', 'a client cannot create workspaces; a professional creates the case and invites the client');
    // The server gets a commitment to the label; members get the label inside their key messages.
    const salt = newTextSalt();
    const { workspaceId } = await this.#p.sync.exclusive(() => this.#p.writer.createLocked(kind, textCommitment('label', label, salt), creator));
    this.#p.texts.learn(workspaceId, [{ kind: 'label', text: label, salt }]);
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async addMember(workspaceId: string, userId: string, opts: { owner?: boolean } = {}): Promise<WorkspaceSummary> {
    const { identities } = this.#p;
    await this.#freshCertificates([userId]);
    const status = identities.book.status(userId);
    if (!status.ok) throw new MembershipError('uncertified', `${userId} has no valid certificate (${status.code}): ${status.detail}`);
    const person = status.person;
    if (person.kind !== 'professional') throw new MembershipError('invalid', 'clients join a case by invitation, not from the directory');
    if (identities.changedPerson(userId) !== undefined) {
      throw new MembershipError('identity_changed', `the certified key of ${userId} changed; compare the new safety number and accept it first`);
    }
    const devices: MemberDevice[] = person.devices.map((d) => ({ deviceId: d.deviceId, keyHash: d.keyHash }));
    if (devices.length === 0) throw new MembershipError('uncertified', `${userId} has no certified device yet`);
    // Organisation and role from the organisation-signed certificate: the consent scope is checked against these.
    const member = { userId, orgId: person.orgId, role: person.role, owner: opts.owner ?? false, devices };
    await this.#p.sync.exclusive(() =>
      this.#p.writer.appendLocked(
        workspaceId,
        () => ({ type: 'add_member', payload: { member } }),
        (state) => this.#p.writer.oweCurrent(workspaceId, state, devices.map((d) => ({ userId, deviceId: d.deviceId }))),
      ),
    );
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async inviteClient(workspaceId: string, displayName: string): Promise<{ code: string; userId: string; expiresAt: number }> {
    const state = this.#p.sync.state(workspaceId);
    if (state === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
    if (state.kind !== 'case') throw new MembershipError('invalid', 'clients are invited into case workspaces only');
    const invitation = await this.#p.invitations.create(workspaceId, displayName);
    // The client enrols later; this device checks his proof and certifies him then (see chain-upkeep.ts).
    const member = { userId: invitation.userId, orgId: CLIENTS_ORG_ID, role: 'client' as const, owner: false, devices: [] };
    await this.#p.sync.exclusive(() => this.#p.writer.appendLocked(workspaceId, () => ({ type: 'add_member', payload: { member } })));
    return invitation;
  }

  async joinWithCode(code: string): Promise<{ workspaceId: string }> {
    const joined = await this.#p.redeemCode(code);
    if (joined.ok) return { workspaceId: joined.workspaceId };
    switch (joined.code) {
      case 'offline':
        throw new RestError('offline', joined.message);
      case 'bad_code':
      case 'root_mismatch':
        throw new MembershipError('bad_code', joined.message);
      case 'not_client':
        throw new MembershipError('forbidden', joined.message);
      case 'no_user_key':
        throw new MembershipError('no_user_key', joined.message);
      case 'code_refused':
        throw new MembershipError('code_refused', joined.message);
    }
  }

  async removeMember(workspaceId: string, userId: string): Promise<WorkspaceSummary> {
    await this.#p.sync.exclusive(async () => {
      await this.#p.writer.appendLocked(workspaceId, () => ({ type: 'remove_member', payload: { userId } }));
      await this.#p.writer.ensureRotatedLocked(workspaceId);
    });
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async removeDevice(workspaceId: string, device: DeviceRef): Promise<WorkspaceSummary> {
    await this.#p.sync.exclusive(async () => {
      await this.#p.writer.appendLocked(workspaceId, () => ({ type: 'remove_device', payload: { userId: device.userId, deviceId: device.deviceId } }));
      await this.#p.writer.ensureRotatedLocked(workspaceId);
    });
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async grantConsent(workspaceId: string, consent: { orgIds: string[]; purpose: string; expiresAt?: number } & ConsentEndingChoice): Promise<WorkspaceSummary> {
    this.#clientOnly('grant consent');
    // The signed consent names its purpose by a commitment; the purpose itself goes to the members encrypted.
    const salt = newTextSalt();
    const purposeCommitment = textCommitment('purpose', consent.purpose, salt);
    this.#p.texts.learn(workspaceId, [{ kind: 'purpose', text: consent.purpose, salt }]);
    const payload = {
      orgIds: [...consent.orgIds],
      purposeCommitment,
      ...(consent.expiresAt === undefined ? {} : { expiresAt: consent.expiresAt }),
      ...endingOf(consent),
    };
    await this.#p.sync.exclusive(async () => {
      await this.#p.writer.appendLocked(workspaceId, () => ({ type: 'grant_consent', payload }));
      // The answer removed the professionals it leaves out: they must not read what follows.
      await this.#p.writer.ensureRotatedLocked(workspaceId);
    });
    // Every member device gets the current key once more, now carrying the purpose.
    const state = this.#p.sync.state(workspaceId);
    if (state !== undefined) this.#p.writer.resendCurrent(workspaceId, state, state.devices);
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async revokeConsent(workspaceId: string, orgIds: string[], ending: ConsentEndingChoice = {}): Promise<WorkspaceSummary> {
    this.#clientOnly('revoke consent');
    await this.#p.sync.exclusive(async () => {
      await this.#p.writer.appendLocked(workspaceId, () => ({ type: 'revoke_consent', payload: { orgIds: [...orgIds], ...endingOf(ending) } }));
      await this.#p.writer.ensureRotatedLocked(workspaceId);
    });
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async recordBasis(workspaceId: string, userId: string, basis: string | null): Promise<WorkspaceSummary> {
    const state = this.#p.sync.state(workspaceId);
    if (state === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
    if (basis !== null && (basis.trim() === '' || basis.length > MAX_TEXT_CHARS.basis)) {
      throw new MembershipError('malformed', `the basis must be 1-${MAX_TEXT_CHARS.basis} characters`);
    }
    // Checked here for a plain sentence; the chain rules (appendCheck) refuse the same.
    const self = state.members.get(this.#device.self.userId);
    const target = state.members.get(userId);
    if (self?.owner !== true) throw new MembershipError('forbidden', 'only an owner of the case records a statutory basis');
    if (target === undefined || target.role === 'client') throw new MembershipError('unknown_user', `${userId} is not a professional member of this case`);
    if (target.orgId !== self.orgId) throw new MembershipError('forbidden', "a statutory basis is recorded only for members of the owner's own organisation");
    // Like a consent's purpose: the server gets a commitment, the members the text inside their key messages.
    let basisCommitment: string | null = null;
    if (basis !== null) {
      const salt = newTextSalt();
      basisCommitment = textCommitment('basis', basis, salt);
      this.#p.texts.learn(workspaceId, [{ kind: 'basis', text: basis, salt }]);
    }
    const after = await this.#p.sync.exclusive(() =>
      this.#p.writer.appendLocked(workspaceId, () => ({ type: 'record_basis', payload: { userId, basisCommitment } })),
    );
    // Every member device gets the current key once more, now carrying the basis text.
    if (basis !== null) this.#p.writer.resendCurrent(workspaceId, after, after.devices);
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async directory(): Promise<{ orgs: { orgId: string; name: string }[] }> {
    const listed = await this.#p.directory.orgsWithCertificates();
    const { book } = this.#p.identities;
    book.noteOrgCertificates(listed.map((o) => o.certificate));
    // Only organisations the deployment root certifies are offered, under their certified names.
    return {
      orgs: listed.flatMap((o) => {
        const name = book.orgName(o.orgId);
        return name === undefined ? [] : [{ orgId: o.orgId, name }];
      }),
    };
  }

  async orgUsers(orgId: string, query: string): Promise<{ userId: string; displayName: string; role: Role; orgId: string }[]> {
    const listed = await this.#p.directory.search(orgId, query);
    if (listed.length === 0) return [];
    // The server's answer is a list of candidates only: each is shown as his certificates
    // (verified against the pinned root, with their inclusion proofs) say, or not at all.
    const { book } = this.#p.identities;
    await book.refresh(listed.map((u) => u.userId));
    return listed.flatMap((u) => {
      const status = book.status(u.userId);
      if (!status.ok || status.person.kind !== 'professional' || status.person.orgId !== orgId) return [];
      const person = status.person;
      return [{ userId: u.userId, displayName: person.displayName, role: person.role, orgId: person.orgId }];
    });
  }

  async identities(workspaceId: string): Promise<IdentityInfo[]> {
    const state = this.#p.sync.state(workspaceId);
    if (state === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
    const { identities, names } = this.#p;
    const self = this.#device.self;
    const own = identities.book.person(self.userId);
    if (own === undefined) throw new MembershipError('not_certified', 'this device is not certified yet');
    const others = [...state.members.values()].filter((m) => m.userId !== self.userId);
    await identities.ensureKnown(others.flatMap((m) => m.devices.map((d) => ({ userId: m.userId, deviceId: d.deviceId }))));
    const out: IdentityInfo[] = [];
    for (const member of others) {
      const person = identities.book.person(member.userId);
      const pinned = identities.pinnedUserKey(member.userId);
      const newKey = identities.changedPerson(member.userId);
      // With a change waiting, the number to compare is the one of the NEW key.
      const shown = newKey ?? pinned ?? person?.userKey;
      if (shown === undefined) continue;
      const number = safetyNumber({
        localUserId: self.userId,
        localIdentityKey: PublicKey.deserialize(own.userKey),
        remoteUserId: member.userId,
        remoteIdentityKey: PublicKey.deserialize(shown),
      }).displayString;
      const displayName = person?.kind === 'professional' ? person.displayName : names.nameOf(member.userId);
      out.push({
        userId: member.userId,
        kind: member.role === 'client' ? 'client' : 'professional',
        ...(displayName === undefined ? {} : { displayName }),
        ...(person?.kind === 'professional' ? { orgName: person.orgName, role: person.role } : { role: member.role }),
        safetyNumber: number,
        verified: newKey === undefined && identities.isVerified(member.userId),
        changed: newKey !== undefined,
        devices: (person?.devices ?? []).map((d) => d.deviceId),
      });
    }
    return out;
  }

  async setVerified(userId: string, verified: boolean): Promise<void> {
    const { identities } = this.#p;
    // The number shown for a changed person is the new key's: it is verified by accepting it.
    if (identities.changedPerson(userId) !== undefined) {
      throw new MembershipError('identity_changed', `the certified key of ${userId} changed; accept the new key first`);
    }
    if (!identities.setVerified(userId, verified)) throw new MembershipError('unknown_user', `no certified key on record for ${userId}`);
  }

  async acceptIdentityChange(userId: string): Promise<void> {
    if (!(await this.#p.identities.accept(userId))) throw new MembershipError('no_change', `no key change of ${userId} is waiting`);
    // Re-run what waited for this decision: held key messages, chain events, owed keys.
    try {
      const person = this.#p.identities.book.person(userId);
      for (const device of person?.devices ?? []) await this.#p.receiver.releaseHeld({ userId, deviceId: device.deviceId });
      await this.#p.sync.syncAll();
      await this.#p.sender.deliver();
    } catch (error) {
      // The decision is recorded; what it unblocks runs again on the next connection.
      if (!(error instanceof RestError && error.code === 'offline')) throw error;
    }
  }

  async history(workspaceId: string): Promise<ChainHistory | undefined> {
    if (this.#p.sync.state(workspaceId) === undefined) return undefined;
    const { identities, names } = this.#p;
    const events = this.#p.chains.events(workspaceId).map((stored) => stored.event);
    // Names only from certificates (professionals) or the inviter's key messages (a client).
    return chainHistory(events, (userId) => {
      const person = identities.book.person(userId);
      if (person?.kind === 'professional') return { displayName: person.displayName, orgName: person.orgName };
      const name = names.nameOf(userId) ?? (userId === this.#device.self.userId && this.#device.displayName !== '' ? this.#device.displayName : undefined);
      return name === undefined ? {} : { displayName: name };
    });
  }

  async invitations(): Promise<WorkspaceInvitation[]> {
    const self = this.#device.self;
    const out: WorkspaceInvitation[] = [];
    for (const record of this.#p.chains.workspaces().filter((w) => w.access === 'member')) {
      const { workspaceId } = record;
      if (this.#standing(workspaceId) !== 'invited') continue;
      const summary = this.#summary(workspaceId);
      if (summary === undefined || summary.closed) continue;
      const events = this.#p.chains.events(workspaceId).map((stored) => stored.event);
      const added = invitationEvent(events, self.userId);
      const inviterId = added?.author.userId ?? events[0]?.author.userId ?? '';
      const inviter = this.#p.identities.book.person(inviterId);
      const certified = inviter?.kind === 'professional';
      out.push({
        workspaceId,
        kind: summary.kind,
        label: summary.label,
        invitedAt: added?.at ?? 0,
        invitedBy: {
          userId: inviterId,
          certified,
          ...(certified ? { displayName: inviter.displayName, orgName: inviter.orgName } : {}),
        },
      });
    }
    return out.sort((a, b) => b.invitedAt - a.invitedAt);
  }

  isAccepted(workspaceId: string): boolean {
    return this.#standing(workspaceId) === 'member';
  }

  async acceptInvitation(workspaceId: string): Promise<WorkspaceSummary> {
    if (this.#standing(workspaceId) === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
    this.#p.acceptance.record(workspaceId, 'accepted', Date.now());
    return this.#require(workspaceId);
  }

  async declineInvitation(workspaceId: string): Promise<void> {
    const standing = this.#standing(workspaceId);
    if (standing === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
    if (standing === 'member') throw new MembershipError('invalid', 'the workspace was accepted already: leave it instead');
    // The signed self-removal first: the owners see him go and rotate the key (chain-upkeep.ts).
    const self = this.#device.self;
    await this.#p.sync.exclusive(() => this.#p.writer.appendLocked(workspaceId, () => ({ type: 'remove_member', payload: { userId: self.userId } })));
    this.#p.acceptance.record(workspaceId, 'declined', Date.now());
  }

  /** Where this person stands with a workspace his device holds as a member; undefined when it holds none. */
  #standing(workspaceId: string): 'member' | 'invited' | 'declined' | undefined {
    if (this.#p.sync.state(workspaceId) === undefined) return undefined;
    const events = this.#p.chains.events(workspaceId).map((stored) => stored.event);
    return standingOf(this.#p.acceptance.decision(workspaceId), events, { userId: this.#device.self.userId, role: this.#device.role });
  }

  /**
   * Who this person is for a new workspace's `create`: organisation, role and certified
   * devices from his own certificates. Refuses while this device is not certified.
   */
  async #ownCertifiedDevices(): Promise<{ orgId: string; role: Role; devices: MemberDevice[] }> {
    const self = this.#device.self;
    await this.#freshCertificates([self.userId]);
    const own = this.#p.identities.book.person(self.userId);
    const devices = (own?.devices ?? []).map((d) => ({ deviceId: d.deviceId, keyHash: d.keyHash }));
    if (own === undefined || !devices.some((d) => d.deviceId === self.deviceId)) {
      throw new MembershipError('not_certified', 'this device is not certified yet: it cannot create workspaces until its certificate arrives');
    }
    const orgId = own.kind === 'professional' ? own.orgId : CLIENTS_ORG_ID;
    const role: Role = own.kind === 'professional' ? own.role : 'client';
    return { orgId, role, devices: devices.sort((a, b) => a.deviceId - b.deviceId) };
  }

  /** Fetch people's current certificates; offline, the stored ones are used. */
  async #freshCertificates(userIds: readonly string[]): Promise<void> {
    try {
      await this.#p.identities.refresh(userIds);
    } catch (error) {
      if (!(error instanceof RestError && error.code === 'offline')) throw error;
    }
  }

  #clientOnly(what: string): void {
    if (this.#device.role !== 'client') throw new MembershipError('forbidden', `only the client may ${what}`);
  }

  #summary(workspaceId: string): WorkspaceSummary | undefined {
    const state = this.#p.sync.state(workspaceId);
    if (state === undefined) return undefined;
    const record = this.#p.chains.workspaces().find((w) => w.workspaceId === workspaceId);
    const createdBy = this.#creator(workspaceId);
    const consent = state.consent;
    return {
      workspaceId,
      kind: state.kind,
      // From the encrypted key messages, checked against the chain's commitment; empty until one arrives.
      label: this.#p.texts.labelOf(state) ?? '',
      epoch: state.epoch,
      closed: state.closed,
      lastActivityAt: record?.lastActivityAt ?? 0,
      members: this.#memberViews(workspaceId),
      notices: this.#notices(workspaceId),
      ...this.#timeline(workspaceId),
      ...(createdBy === undefined ? {} : { createdBy }),
      ...(state.kind === 'case' && [...state.members.values()].some((m) => m.role === 'client') ? { consentAnswered: state.consentAnswered } : {}),
      ...(consent === null
        ? {}
        : {
            consent: {
              orgIds: [...consent.orgIds],
              purpose: this.#p.texts.purposeOf(state) ?? '',
              ...(consent.expiresAt === undefined ? {} : { expiresAt: consent.expiresAt }),
              grantedBy: consent.grantedBy,
            },
          }),
    };
  }

  /** The chain's members with what certificates say about each. */
  #memberViews(workspaceId: string): MemberView[] {
    const state = this.#p.sync.state(workspaceId);
    if (state === undefined) return [];
    const { identities, names } = this.#p;
    const { findings } = certifiedMembership(state, (userId) => identities.book.person(userId));
    const outside = new Set(outsideConsent(state));
    return [...state.members.values()].map((member) => {
      const person = identities.book.person(member.userId);
      const personFinding = findings.some((f) => f.userId === member.userId && f.deviceId === undefined);
      const uncertifiedDevices = findings.filter((f) => f.userId === member.userId && f.deviceId !== undefined).map((f) => f.deviceId as number);
      const displayName = person?.kind === 'professional' ? person.displayName : names.nameOf(member.userId) ?? (member.userId === this.#device.self.userId && this.#device.displayName !== '' ? this.#device.displayName : undefined);
      const orgName = person?.kind === 'professional' ? person.orgName : undefined;
      return {
        ...member,
        ...(displayName === undefined ? {} : { displayName }),
        ...(orgName === undefined ? {} : { orgName }),
        certified: !personFinding && member.devices.length > uncertifiedDevices.length,
        uncertifiedDevices,
        ...(outside.has(member.userId) ? { outsideConsent: true } : {}),
        ...(state.bases.has(member.userId) ? { statutoryBasis: true } : {}),
      };
    });
  }

  /** Device additions and removals from the verified chain. */
  #notices(workspaceId: string): WorkspaceNotice[] {
    const { identities, names } = this.#p;
    const nameOf = (userId: string): string | undefined => {
      const person = identities.book.person(userId);
      return person?.kind === 'professional' ? person.displayName : names.nameOf(userId);
    };
    return this.#p.chains.events(workspaceId).flatMap(({ event }) => {
      if (event.type !== 'add_device' && event.type !== 'remove_device') return [];
      const { userId, deviceId } = event.payload;
      const displayName = nameOf(userId);
      return [{
        at: event.at,
        kind: event.type === 'add_device' ? ('device_added' as const) : ('device_removed' as const),
        userId,
        deviceId,
        by: event.author,
        ...(displayName === undefined ? {} : { displayName }),
      }];
    });
  }

  /** Joins, removals and consent changes of the verified chain, and the former members. */
  #timeline(workspaceId: string): { memberNotices: MemberNotice[]; formerMembers: FormerMember[] } {
    const { identities, names } = this.#p;
    const { notices, formerMembers } = membershipTimeline(
      this.#p.chains.events(workspaceId).map(({ event }) => event),
      {
        nameOf: (userId) => {
          const person = identities.book.person(userId);
          return person?.kind === 'professional' ? person.displayName : names.nameOf(userId);
        },
        orgNameOf: (userId) => {
          const person = identities.book.person(userId);
          return person?.kind === 'professional' ? person.orgName : undefined;
        },
      },
    );
    return { memberNotices: notices, formerMembers };
  }

  /** The author of the verified `create` event, read once from the stored chain. */
  #creator(workspaceId: string): string | undefined {
    const known = this.#creators.get(workspaceId);
    if (known !== undefined) return known;
    const first = this.#p.chains.events(workspaceId)[0]?.event;
    if (first?.type !== 'create') return undefined;
    this.#creators.set(workspaceId, first.author.userId);
    return first.author.userId;
  }

  #require(workspaceId: string): WorkspaceSummary {
    const summary = this.#summary(workspaceId);
    if (summary === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
    return summary;
  }
}

/** The signed fields of a hand-over or closing, only those given. */
function endingOf(choice: ConsentEndingChoice): ConsentEndingChoice {
  return { ...(choice.handOverTo === undefined ? {} : { handOverTo: choice.handOverTo }), ...(choice.close === undefined ? {} : { close: choice.close }) };
}

function nameField(name: string | undefined): { displayName?: string } {
  return name === undefined ? {} : { displayName: name };
}
