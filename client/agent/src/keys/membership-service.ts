/**
 * The membership operations the UI offers (contracts.ts MembershipService), on top of
 * this device's verified chains: every change is a signed event checked locally before
 * it is sent; removals and consent revocations are followed by a rotation whose fresh key
 * reaches the remaining devices only; a new member receives the key of the current epoch
 * only, so he reads the current state but nothing sealed under earlier epochs.
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { workspaceLabelSchema } from '@yhteispoyta/crypto/protocol';
import { safetyNumber } from '@yhteispoyta/crypto/safety';
import { CLIENTS_ORG_ID, deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, Role, WorkspaceKind } from '@yhteispoyta/crypto/types';
import type { IdentityInfo, MembershipService, ProblemSink, WorkspaceSummary } from '../contracts';
import { RestError } from '../contracts';
import type { ChainStore } from './chain-store';
import type { ChainWriter, KeysDevice } from './chain-writer';
import type { Directory } from './directory';
import type { KeySender } from './key-sender';
import type { MailboxReceiver } from './mailbox-receiver';
import { MembershipError } from './membership-error';
import type { MembershipSync } from './membership-sync';
import type { TrustedIdentities } from './trusted-identities';

/** The parts the service composes. */
export interface MembershipServiceParts {
  readonly sync: MembershipSync;
  readonly chains: ChainStore;
  readonly writer: ChainWriter;
  readonly sender: KeySender;
  readonly receiver: MailboxReceiver;
  readonly directory: Directory;
  readonly identities: TrustedIdentities;
  readonly problems: ProblemSink;
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

  async create(kind: WorkspaceKind, label: string): Promise<WorkspaceSummary> {
    if (!workspaceLabelSchema.safeParse(label).success) throw new MembershipError('malformed', 'the label must be 1-200 characters without control characters');
    const own = await this.#usableDevices(this.#device.self.userId);
    const devices = [...new Set([this.#device.self.deviceId, ...own])];
    const { workspaceId } = await this.#p.sync.exclusive(() => this.#p.writer.createLocked(kind, label, devices));
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async addMember(workspaceId: string, userId: string, opts: { owner?: boolean } = {}): Promise<WorkspaceSummary> {
    const user = await this.#p.directory.findUser(userId);
    if (user === undefined) throw new MembershipError('unknown_user', `no user ${userId} in the directory`);
    const devices = await this.#usableDevices(userId);
    await this.#p.sync.exclusive(() =>
      this.#p.writer.appendLocked(
        workspaceId,
        () => ({ type: 'add_member', payload: { member: { userId, orgId: user.orgId, role: user.role, owner: opts.owner ?? false, devices } } }),
        (state) => this.#p.writer.oweCurrent(workspaceId, state, devices.map((deviceId) => ({ userId, deviceId }))),
      ),
    );
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async inviteClient(workspaceId: string, displayName: string): Promise<{ code: string; userId: string; expiresAt: number }> {
    const state = this.#p.sync.state(workspaceId);
    if (state === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
    if (state.kind !== 'case') throw new MembershipError('invalid', 'clients are invited into case workspaces only');
    const invitation = await this.#device.rest.call('createInvitation', { body: { workspaceId, displayName } });
    // Clients are never listed in the directory; they all belong to the clients organisation.
    // The client enrols later; its device joins the chain then (see chain-upkeep.ts).
    const member = { userId: invitation.userId, orgId: CLIENTS_ORG_ID, role: 'client' as const, owner: false, devices: [] };
    await this.#p.sync.exclusive(() => this.#p.writer.appendLocked(workspaceId, () => ({ type: 'add_member', payload: { member } })));
    return invitation;
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

  async grantConsent(workspaceId: string, consent: { orgIds: string[]; purpose: string; expiresAt?: number }): Promise<WorkspaceSummary> {
    this.#clientOnly('grant consent');
    const payload = { orgIds: [...consent.orgIds], purpose: consent.purpose, ...(consent.expiresAt === undefined ? {} : { expiresAt: consent.expiresAt }) };
    await this.#p.sync.exclusive(() => this.#p.writer.appendLocked(workspaceId, () => ({ type: 'grant_consent', payload })));
    return this.#require(workspaceId);
  }

  async revokeConsent(workspaceId: string, orgIds: string[]): Promise<WorkspaceSummary> {
    this.#clientOnly('revoke consent');
    await this.#p.sync.exclusive(async () => {
      await this.#p.writer.appendLocked(workspaceId, () => ({ type: 'revoke_consent', payload: { orgIds: [...orgIds] } }));
      await this.#p.writer.ensureRotatedLocked(workspaceId);
    });
    await this.#p.writer.deliver(workspaceId);
    return this.#require(workspaceId);
  }

  async directory(): Promise<{ orgs: { orgId: string; name: string }[] }> {
    return { orgs: await this.#p.directory.orgs() };
  }

  async orgUsers(orgId: string): Promise<{ userId: string; displayName: string; role: Role; orgId: string }[]> {
    return this.#p.directory.orgUsers(orgId);
  }

  async identities(workspaceId: string): Promise<IdentityInfo[]> {
    const state = this.#p.sync.state(workspaceId);
    if (state === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
    const { identities, directory } = this.#p;
    const self = this.#device.self;
    const others = state.devices.filter((d) => deviceKey(d) !== deviceKey(self));
    await identities.ensureKnown(others.filter((d) => identities.trusted(d) === undefined), directory);
    const out: IdentityInfo[] = [];
    for (const device of others) {
      const trusted = identities.trusted(device);
      if (trusted === undefined) continue;
      const newKey = identities.changed(device);
      // With a change waiting, the number to compare is the one of the NEW key.
      const shown = PublicKey.deserialize(newKey ?? trusted);
      const number = safetyNumber({
        localUserId: self.userId,
        localIdentityKey: this.#device.identityPublicKey,
        remoteUserId: device.userId,
        remoteIdentityKey: shown,
      }).displayString;
      const user = directory.cachedUser(device.userId) ?? (await directory.findUser(device.userId).catch(() => undefined));
      out.push({
        device,
        ...(user === undefined ? {} : { displayName: user.displayName }),
        safetyNumber: number,
        verified: newKey === undefined && this.#device.stores.identity.getVerified(device),
        changed: newKey !== undefined,
      });
    }
    return out;
  }

  async setVerified(device: DeviceRef, verified: boolean): Promise<void> {
    const trusted = this.#p.identities.trusted(device);
    if (trusted === undefined) throw new MembershipError('unknown_device', `no identity on record for ${deviceKey(device)}`);
    // The number shown for a changed device is the new key's: it is verified by accepting it.
    if (this.#p.identities.changed(device) !== undefined) {
      throw new MembershipError('identity_changed', `the identity of ${deviceKey(device)} changed; accept the new key first`);
    }
    if (!this.#device.stores.identity.setVerified(device, verified, PublicKey.deserialize(trusted))) {
      throw new MembershipError('unknown_device', `no identity on record for ${deviceKey(device)}`);
    }
  }

  async acceptIdentityChange(device: DeviceRef): Promise<void> {
    if (!(await this.#p.identities.accept(device))) throw new MembershipError('no_change', `no identity change of ${deviceKey(device)} is waiting`);
    // Re-run what waited for this decision: held key messages, chain events, owed keys.
    try {
      await this.#p.receiver.releaseHeld(device);
      await this.#p.sync.syncAll();
      await this.#p.sender.deliver({ device });
    } catch (error) {
      // The decision is recorded; what it unblocks runs again on the next connection.
      if (!(error instanceof RestError && error.code === 'offline')) throw error;
    }
  }

  /** Device ids of a user from the directory whose identities are not in dispute. */
  async #usableDevices(userId: string): Promise<number[]> {
    const { directory, identities, problems } = this.#p;
    const refs = (await directory.devices(userId)).map((d) => ({ userId, deviceId: d.deviceId }));
    for (const change of await identities.ensureKnown(refs, directory)) {
      problems.report({ code: 'identity_changed', message: `The identity key of device ${deviceKey(change.device)} changed; it is left out until you accept the change.`, device: change.device });
    }
    return refs.filter((r) => identities.changed(r) === undefined && (deviceKey(r) === deviceKey(this.#device.self) || identities.trusted(r) !== undefined)).map((r) => r.deviceId);
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
      label: state.label,
      epoch: state.epoch,
      closed: state.closed,
      lastActivityAt: record?.lastActivityAt ?? 0,
      members: [...state.members.values()],
      ...(createdBy === undefined ? {} : { createdBy }),
      ...(consent === null
        ? {}
        : {
            consent: {
              orgIds: [...consent.orgIds],
              purpose: consent.purpose,
              ...(consent.expiresAt === undefined ? {} : { expiresAt: consent.expiresAt }),
              grantedBy: consent.grantedBy,
            },
          }),
    };
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
