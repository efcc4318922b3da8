/**
 * Remote devices' identity keys on the profile database, under the shared TOFU policy of
 * TofuIdentityKeyStore (which this class must not bypass), plus the user's "verified"
 * marks. A changed key always clears "verified": the user compared a different key.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import { PublicKey } from '@signalapp/libsignal-client';
import { bytesEqual, toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { TofuIdentityKeyStore } from '@yhteispoyta/crypto/identity-store';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { loadDeviceIdentity } from './device-identity';
import type { ProfileDb } from './profile-db';

/** What the profile knows about one remote device's identity. */
export interface RemoteIdentity {
  readonly device: DeviceRef;
  readonly publicKey: PublicKey;
  /** the user compared safety numbers for this very key */
  readonly verified: boolean;
  /** ms since epoch when a key for this device was first recorded */
  readonly firstSeen: number;
  /** ms since epoch of the last accepted key change, null if the key never changed */
  readonly changedAt: number | null;
}

/** TOFU identity store on a profile. */
export class SqlIdentityKeyStore extends TofuIdentityKeyStore {
  readonly #profile: ProfileDb;
  #local: DeviceIdentity | undefined;

  /** An identity store on this open profile; the device identity is read on first use. */
  constructor(profile: ProfileDb) {
    super();
    this.#profile = profile;
  }

  protected override async loadIdentity(address: string): Promise<Bytes | null> {
    const stored = this.#profile.db
      .prepare('SELECT public_key FROM remote_identities WHERE address = ?', { pluck: true })
      .get([address]);
    return stored instanceof Uint8Array ? toBytes(stored) : null;
  }

  protected override async storeIdentity(address: string, publicKey: Bytes): Promise<void> {
    const now = Date.now();
    this.#profile.transaction(() => {
      const stored = this.#profile.db
        .prepare('SELECT public_key FROM remote_identities WHERE address = ?', { pluck: true })
        .get([address]);
      if (!(stored instanceof Uint8Array)) {
        this.#profile.db
          .prepare('INSERT INTO remote_identities (address, public_key, verified, first_seen, changed_at) VALUES (?, ?, 0, ?, NULL)')
          .run([address, publicKey, now]);
      } else if (!bytesEqual(stored, publicKey)) {
        this.#profile.db
          .prepare('UPDATE remote_identities SET public_key = ?, verified = 0, changed_at = ? WHERE address = ?')
          .run([publicKey, now, address]);
      }
    });
  }

  /** This device's private identity key; throws if the profile has no device identity yet. */
  override async getIdentityKey(): Promise<PrivateKey> {
    return this.#localIdentity().identityKeyPair.privateKey;
  }

  /** This device's registration id; throws if the profile has no device identity yet. */
  override async getLocalRegistrationId(): Promise<number> {
    return this.#localIdentity().registrationId;
  }

  /**
   * Mark the identity of `device` verified or not. With `forKey`, only if that is still
   * the key on record, so a key that changed while the user compared safety numbers is
   * not marked. Returns whether a record was updated.
   */
  setVerified(device: DeviceRef, verified: boolean, forKey?: PublicKey): boolean {
    const address = deviceKey(device);
    return this.#profile.transaction(() => {
      const stored = this.#profile.db
        .prepare('SELECT public_key FROM remote_identities WHERE address = ?', { pluck: true })
        .get([address]);
      if (!(stored instanceof Uint8Array)) return false;
      if (forKey !== undefined && !bytesEqual(stored, forKey.serialize())) return false;
      this.#profile.db.prepare('UPDATE remote_identities SET verified = ? WHERE address = ?').run([verified ? 1 : 0, address]);
      return true;
    });
  }

  /** Whether the identity on record for `device` is marked verified (false if none). */
  getVerified(device: DeviceRef): boolean {
    const verified = this.#profile.db
      .prepare('SELECT verified FROM remote_identities WHERE address = ?', { pluck: true })
      .get([deviceKey(device)]);
    return verified === 1;
  }

  /** Every remote identity on record, ordered by address. */
  listIdentities(): RemoteIdentity[] {
    const rows = this.#profile.db
      .prepare('SELECT address, public_key, verified, first_seen, changed_at FROM remote_identities ORDER BY address')
      .all();
    return rows.map((row) => {
      const address = String(row.address);
      const dot = address.lastIndexOf('.');
      if (!(row.public_key instanceof Uint8Array)) throw new Error(`identity of ${address} is not a key`);
      return {
        device: { userId: address.slice(0, dot), deviceId: Number(address.slice(dot + 1)) },
        publicKey: PublicKey.deserialize(toBytes(row.public_key)),
        verified: row.verified === 1,
        firstSeen: Number(row.first_seen),
        changedAt: row.changed_at === null ? null : Number(row.changed_at),
      };
    });
  }

  #localIdentity(): DeviceIdentity {
    this.#local ??= loadDeviceIdentity(this.#profile);
    if (this.#local === undefined) throw new Error('this profile has no device identity yet');
    return this.#local;
  }
}
