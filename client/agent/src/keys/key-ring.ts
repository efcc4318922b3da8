/**
 * The KeyRing the sync engine reads: chain states this device verified itself, the epoch
 * keys it accepted, and the identity keys it trusts (none for a device whose identity
 * change the user has not accepted, so nothing signed by it is accepted meanwhile).
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { KeyRing } from '../contracts';
import type { EpochKeyStore } from './epoch-key-store';
import type { MailboxReceiver } from './mailbox-receiver';
import type { MembershipSync } from './membership-sync';
import type { TrustedIdentities } from './trusted-identities';

/** {@link KeyRing} over membership sync, the epoch key store and the trusted identities. */
export class LocalKeyRing implements KeyRing {
  readonly #sync: MembershipSync;
  readonly #keys: EpochKeyStore;
  readonly #identities: TrustedIdentities;
  /** a listener's failure is its own: the others still hear about the change */
  readonly #listeners = new Listeners<[workspaceId: string, what: 'membership' | 'epoch']>(() => undefined);

  /** A key ring that reports changes of `sync` and keys accepted by `receiver` (and by this device itself through {@link notifyEpoch}). */
  constructor(sync: MembershipSync, keys: EpochKeyStore, identities: TrustedIdentities, receiver: MailboxReceiver) {
    this.#sync = sync;
    this.#keys = keys;
    this.#identities = identities;
    sync.onChange((workspaceId) => this.#emit(workspaceId, 'membership'));
    receiver.onEpochKey((workspaceId) => this.#emit(workspaceId, 'epoch'));
  }

  chainState(workspaceId: string): ChainState | undefined {
    return this.#sync.state(workspaceId);
  }

  currentEpoch(workspaceId: string): { epoch: number; key: Bytes } | undefined {
    return this.#keys.newest(workspaceId);
  }

  epochKey(workspaceId: string, epoch: number): Bytes | undefined {
    return this.#keys.get(workspaceId, epoch);
  }

  identityOf(ref: DeviceRef): Bytes | undefined {
    return this.#identities.usable(ref);
  }

  onChange(listener: (workspaceId: string, what: 'membership' | 'epoch') => void): () => void {
    return this.#listeners.add(listener);
  }

  refreshChain(workspaceId: string): Promise<unknown> {
    return this.#sync.syncWorkspace(workspaceId);
  }

  /** Tell listeners that what certificates say about a workspace's members changed. */
  notifyMembership(workspaceId: string): void {
    this.#emit(workspaceId, 'membership');
  }

  /** Tell listeners about a key this device made itself (create, rotation). */
  notifyEpoch(workspaceId: string): void {
    this.#emit(workspaceId, 'epoch');
  }

  #emit(workspaceId: string, what: 'membership' | 'epoch'): void {
    this.#listeners.emit(workspaceId, what);
  }
}
