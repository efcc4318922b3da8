/**
 * What this device does after a chain was verified or changed (inside the chain task):
 * accept the pending keys the chain now allows; finish a rotation it owes (it removed
 * someone and the rotation did not get through); as an owner, bring an invited client's
 * first device into the chain once that device is in the server's directory; and deliver
 * keys still owed in the background.
 *
 * Bringing the invited client's device in trusts the server's directory for which
 * device belongs to that client (there is no earlier key to compare with): the owner's
 * TOFU store records the key the directory announced, and the safety number the owner
 * and the client compare (identities()/setVerified) is what detects a substituted key.
 */
import type { Logger } from 'pino';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, MembershipEvent } from '@yhteispoyta/crypto/types';
import type { ProblemSink } from '../contracts';
import type { ChainStore } from './chain-store';
import type { ChainWriter, KeysDevice } from './chain-writer';
import type { Directory } from './directory';
import type { MailboxReceiver } from './mailbox-receiver';
import { isMemberDevice } from './membership-sync';
import type { TrustedIdentities } from './trusted-identities';

const REMOVALS = new Set(['remove_member', 'remove_device', 'revoke_consent']);

/** Whether this device is an owner device of the workspace. */
export function isOwnerDevice(state: ChainState, self: DeviceRef): boolean {
  const member = state.members.get(self.userId);
  return member !== undefined && member.owner && member.devices.includes(self.deviceId);
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

/** The after-verification steps of one device. */
export class ChainUpkeep {
  readonly #device: KeysDevice;
  readonly #parts: {
    chains: ChainStore;
    writer: ChainWriter;
    receiver: MailboxReceiver;
    directory: Directory;
    identities: TrustedIdentities;
    problems: ProblemSink;
  };
  readonly #log: Logger;

  /** Upkeep for `device`. */
  constructor(
    device: KeysDevice,
    parts: { chains: ChainStore; writer: ChainWriter; receiver: MailboxReceiver; directory: Directory; identities: TrustedIdentities; problems: ProblemSink },
    log: Logger,
  ) {
    this.#device = device;
    this.#parts = parts;
    this.#log = log.child({ module: 'keys/upkeep' });
  }

  /** The verified-listener of membership sync. */
  readonly afterVerified = async (workspaceId: string, state: ChainState): Promise<void> => {
    this.#parts.receiver.resolvePending(workspaceId);
    if (!isMemberDevice(state, this.#device.self) || state.closed) return;
    let current = state;
    if (current.rotationRequired && this.#owesRotation(workspaceId)) {
      current = await this.#parts.writer.rotateLocked(workspaceId);
    }
    if (isOwnerDevice(current, this.#device.self)) await this.#admitClientDevices(workspaceId, current);
    // Not awaited: delivery takes the network and must not hold up the chain task.
    this.#parts.writer.deliver(workspaceId).catch((error: unknown) => {
      this.#log.warn({ workspaceId, reason: error instanceof Error ? error.message : 'unknown' }, 'key delivery failed');
    });
  };

  /** Whether the event that made a rotation necessary is this device's (so the rotation is its job). */
  #owesRotation(workspaceId: string): boolean {
    const events = this.#parts.chains.events(workspaceId);
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i]?.event;
      if (event === undefined) break;
      if (REMOVALS.has(event.type)) return deviceKey(event.author) === deviceKey(this.#device.self);
    }
    return false;
  }

  async #admitClientDevices(workspaceId: string, state: ChainState): Promise<void> {
    const { chains, directory, identities, writer, problems } = this.#parts;
    const waiting = awaitingClients(state, chains.events(workspaceId).map((s) => s.event));
    for (const userId of waiting) {
      const listed = await directory.devices(userId);
      const refs = listed.map((d) => ({ userId, deviceId: d.deviceId }));
      for (const change of await identities.ensureKnown(refs, directory)) {
        problems.report({ code: 'identity_changed', message: `The identity key of device ${deviceKey(change.device)} changed.`, device: change.device, workspaceId });
      }
      for (const ref of refs) {
        if (identities.changed(ref) !== undefined || identities.trusted(ref) === undefined) continue;
        await writer.appendLocked(
          workspaceId,
          () => ({ type: 'add_device', payload: { userId, deviceId: ref.deviceId } }),
          (s) => writer.oweCurrent(workspaceId, s, [ref]),
        );
        this.#log.info({ workspaceId, device: deviceKey(ref) }, 'invited client device added');
      }
    }
  }
}
