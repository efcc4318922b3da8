/**
 * Test support: a KeyRing whose chain states, epoch keys and trusted identities a test
 * sets directly (the real one verifies them; the sync engine only reads them).
 */
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { KeyRing } from '../../contracts';

/** A settable KeyRing. */
export class FakeKeyRing implements KeyRing {
  readonly #chains = new Map<string, ChainState>();
  readonly #keys = new Map<string, Map<number, Bytes>>();
  readonly #identities = new Map<string, Bytes>();
  readonly #listeners = new Set<(workspaceId: string, what: 'membership' | 'epoch') => void>();

  chainState(workspaceId: string): ChainState | undefined {
    return this.#chains.get(workspaceId);
  }

  currentEpoch(workspaceId: string): { epoch: number; key: Bytes } | undefined {
    const keys = this.#keys.get(workspaceId);
    if (keys === undefined || keys.size === 0) return undefined;
    const epoch = Math.max(...keys.keys());
    const key = keys.get(epoch);
    return key === undefined ? undefined : { epoch, key };
  }

  epochKey(workspaceId: string, epoch: number): Bytes | undefined {
    return this.#keys.get(workspaceId)?.get(epoch);
  }

  identityOf(ref: DeviceRef): Bytes | undefined {
    return this.#identities.get(deviceKey(ref));
  }

  onChange(listener: (workspaceId: string, what: 'membership' | 'epoch') => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Trust a device's identity key. */
  trust(ref: DeviceRef, identityKey: Bytes): void {
    this.#identities.set(deviceKey(ref), identityKey);
  }

  /** Set a workspace's verified chain state and tell listeners. */
  setChain(state: ChainState): void {
    this.#chains.set(state.workspaceId, state);
    this.#emit(state.workspaceId, 'membership');
  }

  /** Hold an epoch key and tell listeners. */
  addEpochKey(workspaceId: string, epoch: number, key: Bytes): void {
    const keys = this.#keys.get(workspaceId) ?? new Map<number, Bytes>();
    keys.set(epoch, key);
    this.#keys.set(workspaceId, keys);
    this.#emit(workspaceId, 'epoch');
  }

  #emit(workspaceId: string, what: 'membership' | 'epoch'): void {
    for (const listener of [...this.#listeners]) listener(workspaceId, what);
  }
}
