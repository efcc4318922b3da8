/**
 * This person's devices (contracts.ts DeviceService): where this device's certification
 * stands, link codes for a further device, approving one (its certificate signed with the
 * user key, then the device added to every workspace of this person with the current
 * key owed to it), and revoking one (a revocation signed with the user key, then the
 * device removed from every workspace, which rotates the key).
 */
import type { Logger } from 'pino';
import { identityKeyHash } from '@yhteispoyta/crypto/certificates/signing';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { MemberDevice } from '@yhteispoyta/crypto/types';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { Certification, DeviceService, OwnDevice, PendingOwnDevice, ProblemSink } from '../contracts';
import { RestError } from '../contracts';
import type { ClientNames } from '../identity/client-names';
import type { DeviceLinks } from '../identity/device-links';
import { DeviceLinkError } from '../identity/device-links';
import type { ChainStore } from './chain-store';
import type { ChainWriter, KeysDevice } from './chain-writer';
import { MembershipError } from './membership-error';
import { isMemberDevice } from './membership-sync';
import type { MembershipSync } from './membership-sync';
import type { TrustedIdentities } from './trusted-identities';

/** The device as own-device management needs it. */
export interface OwnDevicesDevice extends KeysDevice {
  readonly kind: 'enrolment' | 'invitation' | 'device_link';
  readonly approvalCode: string | undefined;
  setDisplayName(name: string): void;
}

/** What own-device management works with. */
export interface OwnDevicesParts {
  readonly sync: MembershipSync;
  readonly chains: ChainStore;
  readonly writer: ChainWriter;
  readonly links: DeviceLinks;
  readonly identities: TrustedIdentities;
  readonly names: ClientNames;
  readonly problems: ProblemSink;
  readonly log: Logger;
}

/** {@link DeviceService} of one device. */
export class OwnDevices implements DeviceService {
  readonly #device: OwnDevicesDevice;
  readonly #p: OwnDevicesParts;
  readonly #ownKeyHash: string;
  /** one listener's failure does not keep the others from hearing */
  readonly #listeners = new Listeners((error) =>
    this.#p.log.warn({ reason: error instanceof Error ? error.message : 'unknown' }, 'device listener failed'),
  );

  constructor(device: OwnDevicesDevice, parts: OwnDevicesParts) {
    this.#device = device;
    this.#p = parts;
    this.#ownKeyHash = identityKeyHash(toBytes(device.identityPublicKey.serialize()));
  }

  certification(): Certification {
    const { self } = this.#device;
    const status = this.#p.identities.book.status(self.userId);
    if (status.ok) {
      const person = status.person;
      if (person.devices.some((d) => d.deviceId === self.deviceId && d.keyHash === this.#ownKeyHash)) {
        const name = person.kind === 'professional' ? person.displayName : this.#p.names.nameOf(self.userId);
        if (name !== undefined) this.#device.setDisplayName(name);
        return { state: 'certified', ...(person.kind === 'professional' ? { orgName: person.orgName } : {}) };
      }
      if (person.revokedDevices.some((d) => d.deviceId === self.deviceId && d.keyHash === this.#ownKeyHash)) return { state: 'revoked' };
    } else if (status.code === 'revoked') {
      return { state: 'revoked' };
    }
    return { state: 'pending', ...(this.#device.approvalCode === undefined ? {} : { approvalCode: this.#device.approvalCode }) };
  }

  async list(): Promise<{ devices: OwnDevice[]; pending: PendingOwnDevice[]; canApprove: boolean }> {
    const { self } = this.#device;
    const person = this.#p.identities.book.person(self.userId);
    const devices: OwnDevice[] = [
      ...(person?.devices ?? []).map((d) => ({ deviceId: d.deviceId, current: d.deviceId === self.deviceId, created: d.created, revoked: false })),
      ...(person?.revokedDevices ?? []).map((d) => ({ deviceId: d.deviceId, current: d.deviceId === self.deviceId, created: d.created, revoked: true })),
    ].sort((a, b) => a.deviceId - b.deviceId || Number(a.revoked) - Number(b.revoked));
    const canApprove = this.#p.links.canApprove();
    const pending = canApprove ? (await this.#p.links.pending()).map((p) => ({ deviceId: p.deviceId, approvalCode: p.approvalCode, enrolledAt: p.enrolledAt })) : [];
    return { devices, pending, canApprove };
  }

  async createLinkCode(): Promise<{ code: string; deviceId: number; expiresAt: number }> {
    this.#requireCertified();
    return this.#linkErrors(() => this.#p.links.createCode());
  }

  async approve(deviceId: number): Promise<void> {
    this.#requireCertified();
    const device = await this.#linkErrors(() => this.#p.links.approve(deviceId));
    await this.#p.identities.adopt([this.#device.self.userId]);
    await this.#addToWorkspaces(device);
    this.notify();
  }

  async reject(deviceId: number): Promise<void> {
    await this.#linkErrors(() => this.#p.links.reject(deviceId));
    this.notify();
  }

  async revoke(deviceId: number): Promise<void> {
    if (deviceId === this.#device.self.deviceId) throw new MembershipError('cannot_revoke_self', 'this device cannot revoke itself; revoke it from another of your devices');
    await this.#linkErrors(() => this.#p.links.revoke(deviceId));
    await this.#removeFromWorkspaces(deviceId);
    this.notify();
  }

  /** Listen to changes of this device's certification or of the person's devices. */
  onChange(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Tell listeners that certification or devices may have changed. */
  notify(): void {
    this.#listeners.emit();
  }

  /** Add a newly certified device of this person to every workspace this device is in, and owe it the current key. */
  async #addToWorkspaces(device: MemberDevice): Promise<void> {
    const { sync, chains, writer } = this.#p;
    const { self } = this.#device;
    const ref = { userId: self.userId, deviceId: device.deviceId };
    for (const { workspaceId, access } of chains.workspaces()) {
      const state = sync.state(workspaceId);
      if (access !== 'member' || state === undefined || state.closed || !isMemberDevice(state, self) || isMemberDevice(state, ref)) continue;
      await this.#quietly(workspaceId, () =>
        sync.exclusive(() =>
          writer.appendLocked(
            workspaceId,
            () => ({ type: 'add_device', payload: { userId: self.userId, deviceId: device.deviceId, keyHash: device.keyHash } }),
            (s) => writer.oweCurrent(workspaceId, s, [ref]),
          ),
        ),
      );
      await writer.deliver(workspaceId);
    }
  }

  /** Remove a revoked device of this person from every workspace it is in (each removal rotates the key). */
  async #removeFromWorkspaces(deviceId: number): Promise<void> {
    const { sync, chains, writer } = this.#p;
    const ref = { userId: this.#device.self.userId, deviceId };
    for (const { workspaceId, access } of chains.workspaces()) {
      const state = sync.state(workspaceId);
      if (access !== 'member' || state === undefined || state.closed || !isMemberDevice(state, ref)) continue;
      await this.#quietly(workspaceId, () =>
        sync.exclusive(async () => {
          await writer.appendLocked(workspaceId, () => ({ type: 'remove_device', payload: { userId: ref.userId, deviceId } }));
          await writer.ensureRotatedLocked(workspaceId);
        }),
      );
      await writer.deliver(workspaceId);
    }
  }

  /** One workspace's refusal is reported and does not stop the others; offline stops them (the next sync sweeps). */
  async #quietly(workspaceId: string, task: () => Promise<unknown>): Promise<void> {
    try {
      await task();
    } catch (error) {
      if (error instanceof RestError && error.code === 'offline') throw error;
      if (!(error instanceof MembershipError) && !(error instanceof RestError)) throw error;
      this.#p.log.warn({ workspaceId, code: error.code }, 'own device change not applied in a workspace');
      this.#p.problems.report({ code: 'server_error', message: `A device change could not be applied in a workspace: ${error.message}`, workspaceId });
    }
  }

  #requireCertified(): void {
    if (this.certification().state !== 'certified') throw new MembershipError('not_certified', 'this device is not certified yet');
  }

  async #linkErrors<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      if (error instanceof DeviceLinkError) {
        throw new MembershipError(error.code, error.message);
      }
      throw error;
    }
  }
}

