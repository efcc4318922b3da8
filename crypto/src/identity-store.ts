/**
 * The identity-change policy, in one place: trust a device's identity key on first use,
 * and never trust a different key for the same device until the user has accepted it
 * (after comparing the new safety number). Concrete stores only load and store bytes.
 */
import type { Direction, PrivateKey, ProtocolAddress } from '@signalapp/libsignal-client';
import { IdentityChange, IdentityKeyStore, PublicKey } from '@signalapp/libsignal-client';
import type { Bytes } from './bytes';
import { bytesEqual, toBytes } from './bytes';
import { toProtocolAddress } from './identity';
import type { DeviceRef } from './types';
import { deviceKey } from './types';

/** How a presented identity key relates to the one on record for that device. */
export type IdentityStatus = 'new' | 'same' | 'changed';

function addressKey(address: ProtocolAddress): string {
  return `${address.name()}.${address.deviceId()}`;
}

/**
 * libsignal identity store with trust-on-first-use. Subclasses persist identities as
 * serialized public keys under the address string `userId.deviceId`; they must not
 * override the trust methods, which are the policy.
 */
export abstract class TofuIdentityKeyStore extends IdentityKeyStore {
  /**
   * Changed keys libsignal refused, by address, so a caller can show the user which key
   * would replace the known one. Kept in memory only: it is evidence, not trust.
   */
  readonly #refused = new Map<string, Bytes>();

  /** The stored identity key of `address` (`userId.deviceId`), or null if none yet. */
  protected abstract loadIdentity(address: string): Promise<Bytes | null>;
  /** Store (insert or replace) the identity key of `address` (`userId.deviceId`). */
  protected abstract storeIdentity(address: string, publicKey: Bytes): Promise<void>;
  /** This device's private identity key. */
  abstract override getIdentityKey(): Promise<PrivateKey>;
  /** This device's registration id. */
  abstract override getLocalRegistrationId(): Promise<number>;

  /** The identity key on record for a device; throws if the stored bytes are corrupt. */
  override async getIdentity(name: ProtocolAddress): Promise<PublicKey | null> {
    const stored = await this.loadIdentity(addressKey(name));
    return stored === null ? null : PublicKey.deserialize(stored);
  }

  /**
   * Trusted when nothing is on record (first use) or the key equals the record, in both
   * directions. A different key is refused and remembered for {@link refusedIdentity}.
   */
  override async isTrustedIdentity(name: ProtocolAddress, key: PublicKey, _direction: Direction): Promise<boolean> {
    const address = addressKey(name);
    const stored = await this.loadIdentity(address);
    if (stored === null || bytesEqual(stored, key.serialize())) return true;
    this.#refused.set(address, toBytes(key.serialize()));
    return false;
  }

  /**
   * Record a key libsignal has just trusted. libsignal only calls this after
   * {@link isTrustedIdentity}; a different key arriving here anyway means the policy was
   * bypassed, so it is refused with an error rather than silently replacing the record.
   */
  override async saveIdentity(name: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    const address = addressKey(name);
    const stored = await this.loadIdentity(address);
    const serialized = toBytes(key.serialize());
    if (stored === null) {
      await this.storeIdentity(address, serialized);
      return IdentityChange.NewOrUnchanged;
    }
    if (bytesEqual(stored, serialized)) return IdentityChange.NewOrUnchanged;
    throw new Error(`identity key of ${address} changed; it must be accepted with acceptIdentityChange first`);
  }

  /**
   * The user accepted `key` as the identity of `device` (after seeing the new safety
   * number): store it, so sessions with that key are trusted from now on.
   */
  async acceptIdentityChange(device: DeviceRef, key: PublicKey): Promise<void> {
    const address = deviceKey(device);
    await this.storeIdentity(address, toBytes(key.serialize()));
    this.#refused.delete(address);
  }

  /** The most recent changed key refused for `device` by this store instance, if any. */
  refusedIdentity(device: DeviceRef): PublicKey | undefined {
    const refused = this.#refused.get(deviceKey(device));
    return refused === undefined ? undefined : PublicKey.deserialize(refused);
  }
}

/**
 * Whether `key` would be new, the same as on record, or a change for `device`. Throws only
 * if `device` is not a valid address (parse untrusted refs with deviceRefSchema first).
 */
export async function identityStatus(store: IdentityKeyStore, device: DeviceRef, key: PublicKey): Promise<IdentityStatus> {
  const known = await store.getIdentity(toProtocolAddress(device));
  if (known === null) return 'new';
  return known.equals(key) ? 'same' : 'changed';
}
