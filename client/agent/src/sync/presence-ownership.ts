/**
 * Which awareness client ids a device may speak for in one document. Presence from
 * another device is authenticated (its envelope is signed), but the client ids inside it
 * are just numbers it chose. So a device may never speak for a client of this device's
 * own browsers, and a client id belongs to the first device that spoke for it until that
 * client leaves; anything else is dropped, so that nobody can overwrite or remove another
 * person's cursor or name.
 */
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { AwarenessEntry } from './awareness-entries';

/** The owners of the remote awareness clients of one document. */
export class PresenceOwnership {
  /** client id → device key of the other device that speaks for it */
  readonly #owners = new Map<number, string>();

  /**
   * The entries `from` may speak for, given the client ids of this device's own browsers
   * (`local`); the clients of the accepted entries are `from`'s from now on.
   */
  admit(from: DeviceRef, entries: readonly AwarenessEntry[], local: ReadonlySet<number>): AwarenessEntry[] {
    const device = deviceKey(from);
    const admitted = entries.filter((entry) => {
      if (local.has(entry.clientId)) return false;
      const owner = this.#owners.get(entry.clientId);
      return owner === undefined || owner === device;
    });
    for (const entry of admitted) this.#owners.set(entry.clientId, device);
    return admitted;
  }

  /** Whether another device speaks for this client. */
  isRemote(clientId: number): boolean {
    return this.#owners.has(clientId);
  }

  /** These clients left: their ids are free again. */
  forget(clientIds: readonly number[]): void {
    for (const id of clientIds) this.#owners.delete(id);
  }
}
