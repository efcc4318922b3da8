/**
 * What this device does after a chain was verified or changed (inside the chain task):
 * accept the pending keys the chain now allows; finish a rotation it owes (it removed
 * someone and the rotation did not get through); as an owner, remove members and devices
 * whose certificates were revoked, and bring in the first device of a client it invited
 * once that device redeemed the invitation with a valid proof of its secret (this device
 * then certifies the client: identity/invitations.ts); and deliver keys still owed in the
 * background.
 */
import type { Logger } from 'pino';
import { hasDevice } from '@yhteispoyta/crypto/membership';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { CLIENTS_ORG_ID, deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, MemberDevice, MembershipEvent } from '@yhteispoyta/crypto/types';
import type { ProblemSink } from '../contracts';
import type { Invitations } from '../identity/invitations';
import type { ChainStore } from './chain-store';
import type { ChainWriter, KeysDevice } from './chain-writer';
import type { MailboxReceiver } from './mailbox-receiver';
import { MembershipError } from './membership-error';
import { isMemberDevice } from './membership-sync';
import type { MembershipSync } from './membership-sync';
import type { TrustedIdentities } from './trusted-identities';

// A grant removes the professionals it leaves out (issue 13): its author owes the rotation too.
const REMOVALS = new Set(['remove_member', 'remove_device', 'revoke_consent', 'grant_consent']);

/** Whether this device is an owner device of the workspace. */
export function isOwnerDevice(state: ChainState, self: DeviceRef): boolean {
  const member = state.members.get(self.userId);
  return member !== undefined && member.owner && hasDevice(member, self.deviceId);
}

/** Client members that have never had a device in the chain: invited, not yet enrolled. */
export function awaitingClients(state: ChainState, events: readonly MembershipEvent[]): string[] {
  const hadDevice = new Set<string>();
  for (const e of events) {
    if (e.type === 'add_member' && e.payload.member.devices.length > 0) hadDevice.add(e.payload.member.userId);
    if (e.type === 'add_device') hadDevice.add(e.payload.userId);
  }
  return [...state.members.values()].filter((m) => m.role === 'client' && m.devices.length === 0 && !hadDevice.has(m.userId)).map((m) => m.userId);
}

/** What upkeep works with. */
export interface UpkeepParts {
  readonly sync: MembershipSync;
  readonly chains: ChainStore;
  readonly writer: ChainWriter;
  readonly receiver: MailboxReceiver;
  readonly identities: TrustedIdentities;
  readonly invitations: Invitations;
  readonly problems: ProblemSink;
}

/** The after-verification steps of one device. */
export class ChainUpkeep {
  readonly #device: KeysDevice;
  readonly #parts: UpkeepParts;
  readonly #log: Logger;

  /** Upkeep for `device`. */
  constructor(device: KeysDevice, parts: UpkeepParts, log: Logger) {
    this.#device = device;
    this.#parts = parts;
    this.#log = log.child({ module: 'keys/upkeep' });
  }

  /** The verified-listener of membership sync. */
  readonly afterVerified = async (workspaceId: string, state: ChainState): Promise<void> => {
    this.#parts.receiver.resolvePending(workspaceId);
    if (!isMemberDevice(state, this.#device.self) || state.closed) return;
    let current = state;
    if (current.rotationRequired && this.#owesRotation(workspaceId, current)) {
      current = await this.#parts.writer.rotateLocked(workspaceId);
    }
    if (isOwnerDevice(current, this.#device.self)) {
      current = (await this.removeRevokedLocked(workspaceId)) ?? current;
      await this.#admitClientDevices(workspaceId, current);
    }
    // Not awaited: delivery takes the network and must not hold up the chain task.
    this.#parts.writer.deliver(workspaceId).catch((error: unknown) => {
      this.#log.warn({ workspaceId, reason: error instanceof Error ? error.message : 'unknown' }, 'key delivery failed');
    });
  };

  /**
   * Whether the rotation is this device's job: the event that made it necessary is its own, or
   * its author left the workspace (declined an invitation) and this is the first owner device.
   */
  #owesRotation(workspaceId: string, state: ChainState): boolean {
    const events = this.#parts.chains.events(workspaceId);
    const self = deviceKey(this.#device.self);
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i]?.event;
      if (event === undefined) break;
      if (!REMOVALS.has(event.type)) continue;
      if (deviceKey(event.author) === self) return true;
      if (isMemberDevice(state, event.author)) return false;
      const firstOwner = state.devices.find((device) => isOwnerDevice(state, device));
      return firstOwner !== undefined && deviceKey(firstOwner) === self;
    }
    return false;
  }

  /**
   * As an owner: remove the members whose certificate was revoked and the devices their
   * person revoked, then rotate, so that they read nothing written afterwards. Other
   * agents already refuse everything they send. Only inside `exclusive`.
   */
  async removeRevokedLocked(workspaceId: string): Promise<ChainState | undefined> {
    const { sync, writer, identities } = this.#parts;
    const self = this.#device.self;
    let state = sync.state(workspaceId);
    if (state === undefined || state.closed || !isOwnerDevice(state, self)) return state;
    const before = state.seq;
    for (const member of [...state.members.values()]) {
      const status = identities.book.status(member.userId);
      if (member.userId !== self.userId && !status.ok && status.code === 'revoked') {
        state = await this.#tryAppend(workspaceId, state, () => ({ type: 'remove_member', payload: { userId: member.userId } }), `member ${member.userId}`);
        continue;
      }
      if (!status.ok) continue;
      for (const device of member.devices) {
        const revoked = status.person.revokedDevices.some((d) => d.deviceId === device.deviceId && d.keyHash === device.keyHash);
        if (!revoked || deviceKey({ userId: member.userId, deviceId: device.deviceId }) === deviceKey(self)) continue;
        state = await this.#tryAppend(
          workspaceId,
          state,
          () => ({ type: 'remove_device', payload: { userId: member.userId, deviceId: device.deviceId } }),
          `device ${member.userId}.${device.deviceId}`,
        );
      }
    }
    // Rotate only after removing someone here; a rotation owed for another's removal is that device's job.
    if (state.seq !== before) await writer.ensureRotatedLocked(workspaceId);
    return sync.state(workspaceId) ?? state;
  }

  /** Append a removal; a refusal (another owner was faster, the last owner device) leaves the state as it is. */
  async #tryAppend(workspaceId: string, state: ChainState, build: Parameters<ChainWriter['appendLocked']>[1], what: string): Promise<ChainState> {
    try {
      const next = await this.#parts.writer.appendLocked(workspaceId, build);
      this.#log.info({ workspaceId, what }, 'revoked certificate: removed from the workspace');
      return next;
    } catch (error) {
      if (!(error instanceof MembershipError)) throw error;
      this.#log.info({ workspaceId, what, code: error.code }, 'revoked certificate: removal not appended');
      return this.#parts.sync.state(workspaceId) ?? state;
    }
  }

  /** Certify and add the first device of each client this device invited, once it redeemed the invitation. */
  async #admitClientDevices(workspaceId: string, state: ChainState): Promise<void> {
    const { chains, invitations, identities, writer, problems } = this.#parts;
    const waiting = awaitingClients(state, chains.events(workspaceId).map((s) => s.event));
    for (const userId of waiting) {
      const invitation = invitations.forUser(userId);
      // Only the inviting device holds the secret that checks the client's proof.
      if (invitation === undefined || invitation.state !== 'open' || invitation.workspaceId !== workspaceId) continue;
      const admitted = await invitations.admit(invitation.codeId);
      if (!admitted.ok) {
        if (admitted.reason === 'refused') {
          problems.report({
            code: 'enrolment_refused',
            message: `The device that redeemed your invitation of ${invitation.displayName} does not prove the invitation secret: its keys may have been substituted. It was not admitted; invite the client again.`,
            workspaceId,
          });
        }
        continue;
      }
      if (admitted.userId !== userId) {
        await this.#admitEnrolledClient(workspaceId, userId, admitted.userId, admitted.device);
        continue;
      }
      await identities.adopt([userId]);
      const ref = { userId, deviceId: admitted.device.deviceId };
      await writer.appendLocked(
        workspaceId,
        () => ({ type: 'add_device', payload: { userId, deviceId: admitted.device.deviceId, keyHash: admitted.device.keyHash } }),
        (s) => {
          writer.oweCurrent(workspaceId, s, [ref]);
          // The other members learn the client's name with the key message this sends them.
          writer.resendCurrent(workspaceId, s, s.devices.filter((d) => deviceKey(d) !== deviceKey(ref)));
        },
      );
      this.#log.info({ workspaceId, device: deviceKey(ref) }, 'invited client certified and added');
    }
  }

  /**
   * A client already enrolled redeemed the invitation (a further case): he is added under
   * his own user id with the device that redeemed it, and the placeholder member the
   * invitation added (a user no device ever enrolled as) is removed.
   */
  async #admitEnrolledClient(workspaceId: string, placeholder: string, userId: string, device: MemberDevice): Promise<void> {
    const { identities, writer } = this.#parts;
    await identities.adopt([userId]);
    const ref = { userId, deviceId: device.deviceId };
    const member = { userId, orgId: CLIENTS_ORG_ID, role: 'client' as const, owner: false, devices: [device] };
    await writer.appendLocked(workspaceId, () => ({ type: 'add_member', payload: { member } }), (s) => {
      writer.oweCurrent(workspaceId, s, [ref]);
      writer.resendCurrent(workspaceId, s, s.devices.filter((d) => deviceKey(d) !== deviceKey(ref)));
    });
    await writer.appendLocked(workspaceId, () => ({ type: 'remove_member', payload: { userId: placeholder } }));
    this.#log.info({ workspaceId, device: deviceKey(ref) }, 'enrolled client certified and added to a further case');
  }
}
