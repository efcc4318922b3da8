/**
 * Writing to membership chains: this device signs the next event, checks it locally with
 * appendCheck against its own verified state (an event every client would refuse never
 * leaves the device), appends it on the server and records it. When the server answers
 * that someone else took that seq, the chain is synced and the operation tried once more
 * on the new head. Epoch keys made here (create, rotation) are stored in the same
 * transaction as the event that opens their epoch, and owed to the member devices.
 */
import type { Logger } from 'pino';
import { randomBytes, toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { generateEpochKey } from '@yhteispoyta/crypto/epoch';
import { GENESIS_PREV_HASH, appendCheck, signEvent } from '@yhteispoyta/crypto/membership';
import type { ChainState, UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { RouteBody } from '@yhteispoyta/crypto/protocol';
import type { ClockCut, DeviceRef, MemberDevice, MemberInfo, MembershipEvent, MembershipPayloads, MembershipEventType, WorkspaceKind } from '@yhteispoyta/crypto/types';
import type { SerialQueue } from '@yhteispoyta/common/queue';
import type { LocalDevice, RestClient } from '../contracts';
import { RestError } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import type { SqlSignalStores } from '../profile/signal-stores';
import type { EpochKeyStore } from './epoch-key-store';
import type { KeySender } from './key-sender';
import { MembershipError } from './membership-error';
import type { MembershipSync } from './membership-sync';

/** The device as the keys module needs it: identity, profile, stores, libsignal queue, REST. */
export interface KeysDevice extends LocalDevice {
  readonly profile: ProfileDb;
  readonly stores: SqlSignalStores;
  readonly signalQueue: SerialQueue;
  readonly rest: RestClient;
}

/** The type and payload of an event to append. */
export type EventSpec = { [K in MembershipEventType]: { type: K; payload: MembershipPayloads[K] } }[MembershipEventType];

// The request schemas type the event with mutable arrays, the shared type with readonly
// ones: the same value (nothing mutates it), seen through the schema's type.
type WireCreate = RouteBody<'createWorkspace'>['event'];
type WireEvent = RouteBody<'appendMembership'>['event'];

/**
 * This device's last accepted clock of every author in every stream of a workspace it
 * follows (stream → `userId.deviceId` → clock): what a rotation's clock cut is made of.
 */
export type StreamClocks = (workspaceId: string) => Readonly<Record<string, Readonly<Record<string, number>>>>;

/**
 * The clock cut of a rotation from `state` (docs/design.md §12): for every device that
 * authored in a stream this device follows and is no longer a member device, the last clock
 * this device accepted from it there. Nothing it authors past that under an older epoch is
 * accepted by any agent.
 */
function clockCut(state: ChainState, clocks: ReturnType<StreamClocks>): ClockCut[] {
  const current = new Set(state.devices.map(deviceKey));
  const cut: ClockCut[] = [];
  for (const stream of Object.keys(clocks).sort()) {
    const authors = clocks[stream] ?? {};
    for (const device of Object.keys(authors).sort()) {
      if (!current.has(device)) cut.push({ device, stream, clock: authors[device] ?? 0 });
    }
  }
  return cut;
}

/** Random workspace id: 16 bytes as 22 url-safe characters. */
function newWorkspaceId(): string {
  return Buffer.from(randomBytes(16)).toString('base64url');
}

/** Signs, checks, appends and records this device's membership events. */
export class ChainWriter {
  readonly #device: KeysDevice;
  readonly #sync: MembershipSync;
  readonly #keys: EpochKeyStore;
  readonly #sender: KeySender;
  readonly #onOwnEpoch: (workspaceId: string) => void;
  readonly #streamClocks: StreamClocks;
  readonly #log: Logger;
  readonly #ownKey: Bytes;

  /** A writer for `device`; `onOwnEpoch` hears about every epoch key this device makes. */
  constructor(
    device: KeysDevice,
    parts: {
      sync: MembershipSync;
      keys: EpochKeyStore;
      sender: KeySender;
      onOwnEpoch: (workspaceId: string) => void;
      /** the clocks this device accepted, for the clock cut of its rotations */
      streamClocks: StreamClocks;
      log: Logger;
    },
  ) {
    this.#device = device;
    this.#sync = parts.sync;
    this.#keys = parts.keys;
    this.#sender = parts.sender;
    this.#onOwnEpoch = parts.onOwnEpoch;
    this.#streamClocks = parts.streamClocks;
    this.#log = parts.log.child({ module: 'keys/chain-writer' });
    this.#ownKey = toBytes(device.identityPublicKey.serialize());
  }

  /**
   * Start a workspace: a signed `create` naming this user as its owner with the
   * organisation, role and devices his certificates give, its label by a commitment only,
   * and the key of epoch 1. Only inside `exclusive`.
   */
  async createLocked(
    kind: WorkspaceKind,
    labelCommitment: string,
    creatorInfo: { orgId: string; role: MemberInfo['role']; devices: readonly MemberDevice[] },
  ): Promise<{ workspaceId: string; state: ChainState }> {
    const d = this.#device;
    const workspaceId = newWorkspaceId();
    const devices = [...creatorInfo.devices].sort((a, b) => a.deviceId - b.deviceId);
    const creator: MemberInfo = { userId: d.self.userId, orgId: creatorInfo.orgId, role: creatorInfo.role, owner: true, devices };
    const unsigned: UnsignedMembershipEvent<'create'> = {
      workspaceId, seq: 0, prevHash: GENESIS_PREV_HASH, type: 'create', payload: { kind, labelCommitment, creator }, author: d.self, at: Date.now(),
    };
    const event = this.#sign(unsigned);
    const check = appendCheck(null, event, (ref) => this.#lookup(ref));
    if (!check.ok) throw new MembershipError(check.code, check.detail);
    const created = await d.rest.call('createWorkspace', { body: { event: event as WireCreate } });
    if (created.workspaceId !== workspaceId) throw new MembershipError('bad_response', 'the server stored the workspace under another id');
    const key = generateEpochKey();
    await this.#sync.applyOwnLocked(workspaceId, { event: check.event, authorKey: this.#ownKey }, check.state, () => {
      this.#keys.accept(workspaceId, 1, key, 'self');
      this.#owe(workspaceId, 1, check.state.devices);
    });
    this.#onOwnEpoch(workspaceId);
    return { workspaceId, state: check.state };
  }

  /**
   * Append the event `build` makes from the current verified state. On a lost race (the
   * server took another event at that seq) the chain is synced and `build` runs again on
   * the new head, once. `alsoInTransaction` runs in the transaction that records the event.
   * Only inside `exclusive`.
   */
  async appendLocked(
    workspaceId: string,
    build: (state: ChainState) => EventSpec,
    alsoInTransaction?: (state: ChainState) => void,
  ): Promise<ChainState> {
    for (let attempt = 0; ; attempt++) {
      const state = this.#sync.state(workspaceId);
      if (state === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
      const spec = build(state);
      const unsigned = { ...spec, workspaceId, seq: state.seq + 1, prevHash: state.headHash, author: this.#device.self, at: Date.now() };
      const event = this.#sign(unsigned as UnsignedMembershipEvent);
      const check = appendCheck(state, event, (ref) => this.#lookup(ref));
      if (!check.ok) {
        // The refusal may come from a stale view (a consent granted meanwhile): look once.
        if (attempt === 0 && (await this.#moved(workspaceId, state))) continue;
        throw new MembershipError(check.code, check.detail);
      }
      try {
        await this.#device.rest.call('appendMembership', { params: { workspaceId }, body: { event: check.event as WireEvent } });
      } catch (error) {
        if (attempt === 0 && error instanceof RestError && (error.code === 'conflict' || error.code === 'invalid_chain' || error.code === 'forbidden')) {
          if (await this.#moved(workspaceId, state)) continue;
        }
        throw error;
      }
      await this.#sync.applyOwnLocked(workspaceId, { event: check.event, authorKey: this.#ownKey }, check.state, () => alsoInTransaction?.(check.state));
      return check.state;
    }
  }

  /**
   * Open the next epoch with a fresh key, owed to every remaining member device, and sign
   * the clock cut of every device no longer in the workspace. Only inside `exclusive`.
   */
  async rotateLocked(workspaceId: string): Promise<ChainState> {
    const key = generateEpochKey();
    const state = await this.appendLocked(
      workspaceId,
      (s) => ({ type: 'rotate_epoch', payload: { epoch: s.epoch + 1, cut: clockCut(s, this.#streamClocks(workspaceId)) } }),
      (s) => {
        this.#keys.accept(workspaceId, s.epoch, key, 'self');
        this.#owe(workspaceId, s.epoch, s.devices);
      },
    );
    this.#onOwnEpoch(workspaceId);
    return state;
  }

  /**
   * Rotate if the chain requires it (after a removal or revocation). The verified-listener
   * may already have done so for this device's own removal event; then this does nothing.
   * Only inside `exclusive`.
   */
  async ensureRotatedLocked(workspaceId: string): Promise<void> {
    const state = this.#sync.state(workspaceId);
    // A closed case takes no more events, rotations included (nothing more can be written in it either).
    if (state?.rotationRequired === true && !state.closed) await this.rotateLocked(workspaceId);
  }

  /** Owe the current epoch's key to `devices` (new members, new devices) in the recording transaction. */
  oweCurrent(workspaceId: string, state: ChainState, devices: readonly DeviceRef[]): void {
    this.#owe(workspaceId, state.epoch, devices);
  }

  /**
   * Send the current epoch's key again to `devices`: the key messages carry the names of
   * the workspace's clients, so members who already hold the key learn a newly admitted
   * client's name this way (the server never sees it).
   */
  resendCurrent(workspaceId: string, state: ChainState, devices: readonly DeviceRef[]): void {
    const self = deviceKey(this.#device.self);
    this.#keys.oweAgain(devices.filter((d) => deviceKey(d) !== self).map((device) => ({ workspaceId, epoch: state.epoch, device })));
  }

  /** Deliver what is owed in a workspace now; offline leaves it owed for the next connection. */
  async deliver(workspaceId: string): Promise<void> {
    try {
      await this.#sender.deliver({ workspaceId });
    } catch (error) {
      if (error instanceof RestError && error.code === 'offline') {
        this.#log.info({ workspaceId }, 'keys stay owed until the server is reachable');
        return;
      }
      throw error;
    }
  }

  /** Sync the workspace; whether its head moved past `state` (then the operation is worth another try). */
  async #moved(workspaceId: string, state: ChainState): Promise<boolean> {
    const after = await this.#sync.pullLocked(workspaceId);
    const moved = after !== undefined && after.seq !== state.seq;
    if (moved) this.#log.info({ workspaceId, seq: after.seq }, 'chain moved on; trying again on the new head');
    return moved;
  }

  #owe(workspaceId: string, epoch: number, devices: readonly DeviceRef[]): void {
    const self = deviceKey(this.#device.self);
    this.#keys.owe(devices.filter((d) => deviceKey(d) !== self).map((device) => ({ workspaceId, epoch, device })));
  }

  #sign<T extends MembershipEventType>(unsigned: UnsignedMembershipEvent<T>): MembershipEvent<T> {
    try {
      return signEvent<T>(unsigned, this.#device.identityKey);
    } catch (error) {
      throw new MembershipError('malformed', error instanceof Error ? error.message : 'invalid event');
    }
  }

  #lookup(ref: DeviceRef): Bytes | undefined {
    return deviceKey(ref) === deviceKey(this.#device.self) ? this.#ownKey : undefined;
  }
}
