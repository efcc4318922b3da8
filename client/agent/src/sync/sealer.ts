/**
 * Sealing as this device: whether it may seal for a workspace now (the send gate) and the
 * sealing itself, under the current epoch key, signed with the device's identity key.
 * The outbox pump, snapshots and presence all seal through here.
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import type { StreamCiphers } from '@yhteispoyta/crypto/envelope';
import { deviceKey, PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { ChainHead, DeviceRef, EnvelopeHeader, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { KeyRing, LocalDevice } from '../contracts';

/** Why this device may not send to a workspace right now. */
export type SendBlock = 'no_chain' | 'not_member' | 'closed' | 'rotation_pending' | 'no_key';

/** An open gate: the epoch and key to seal under. */
export interface OpenGate {
  readonly ok: true;
  readonly epoch: number;
  readonly key: Bytes;
  /** this device's verified chain head, named in every header it seals (docs/design.md §12) */
  readonly chainHead: ChainHead;
}

/** Whether this device may seal for a workspace now, and under which key. */
export type SendGate = OpenGate | { readonly ok: false; readonly reason: SendBlock };

/** The header fields a sealer's caller chooses (the sealer adds version, author, epoch and chain head). */
export type SealFields = Omit<EnvelopeHeader, 'v' | 'author' | 'epoch' | 'chainHead'>;

/** This device's sealing. */
export class Sealer {
  /** this device */
  readonly self: DeviceRef;
  /** this device's `userId.deviceId` */
  readonly selfKey: string;
  readonly #keys: Pick<KeyRing, 'chainState' | 'currentEpoch'>;
  readonly #identityKey: LocalDevice['identityKey'];
  readonly #ciphers: StreamCiphers | undefined;

  /** Seals as `device` with the keys and verified chains of `keys`, reusing the stream ciphers of `ciphers`. */
  constructor(keys: Pick<KeyRing, 'chainState' | 'currentEpoch'>, device: Pick<LocalDevice, 'self' | 'identityKey'>, ciphers?: StreamCiphers) {
    this.#keys = keys;
    this.#ciphers = ciphers;
    this.self = device.self;
    this.selfKey = deviceKey(device.self);
    this.#identityKey = device.identityKey;
  }

  /**
   * Whether this device may seal for the workspace now. It must be a member device of an
   * open workspace in its own verified chain, hold the key of the chain's current epoch,
   * and no rotation may be pending: after a removal, nothing new may be sealed under the
   * key the removed device still has.
   */
  gate(workspaceId: string): SendGate {
    const chain = this.#keys.chainState(workspaceId);
    if (chain === undefined) return { ok: false, reason: 'no_chain' };
    if (chain.closed) return { ok: false, reason: 'closed' };
    if (!chain.devices.some((d) => deviceKey(d) === this.selfKey)) return { ok: false, reason: 'not_member' };
    if (chain.rotationRequired) return { ok: false, reason: 'rotation_pending' };
    const current = this.#keys.currentEpoch(workspaceId);
    if (current === undefined || current.epoch !== chain.epoch) return { ok: false, reason: 'no_key' };
    return { ok: true, epoch: current.epoch, key: current.key, chainHead: { seq: chain.seq, hash: chain.headHash } };
  }

  /** Whether this device's own verified chain has removed it from the workspace (the server would refuse it). */
  removedFrom(workspaceId: string): boolean {
    const chain = this.#keys.chainState(workspaceId);
    return chain !== undefined && !chain.devices.some((d) => deviceKey(d) === this.selfKey);
  }

  /** The header as it will be sealed under `gate`. */
  header(gate: OpenGate, fields: SealFields): EnvelopeHeader {
    return { v: PROTOCOL_VERSION, ...fields, epoch: gate.epoch, author: this.self, chainHead: gate.chainHead };
  }

  /** Seal `plaintext` under `header` (from {@link header}); throws RangeError when it is too large to seal. */
  seal(gate: OpenGate, header: EnvelopeHeader, plaintext: Uint8Array): WireEnvelope {
    return sealEnvelope({ header, plaintext, epochKey: gate.key, identityKey: this.#identityKey, ...(this.#ciphers === undefined ? {} : { ciphers: this.#ciphers }) });
  }
}
