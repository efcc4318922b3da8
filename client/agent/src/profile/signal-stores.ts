/**
 * All libsignal state of this device on its profile database: the agent's counterpart of
 * Signal Desktop's LibSignalStores. Every store method writes through to the database at
 * once, so a session ratchet step that libsignal completed survives a crash right after.
 */
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import type { InstallablePrekeys } from '@yhteispoyta/crypto/memory-stores';
import type { SignalStores } from '@yhteispoyta/crypto/sessions';
import { loadDeviceIdentity, saveDeviceIdentity } from './device-identity';
import { countOneTimePrekeys, nextPrekeyIds } from './prekey-ids';
import type { NextPrekeyIds } from './prekey-ids';
import type { ProfileDb } from './profile-db';
import { SqlIdentityKeyStore } from './sql-identity-store';
import { SqlKyberPreKeyStore, SqlPreKeyStore, SqlSignedPreKeyStore, installPrekeyBatch } from './sql-prekey-stores';
import { SqlSessionStore } from './sql-session-store';

/** The five libsignal stores of one device, on one open profile. */
export class SqlSignalStores implements SignalStores {
  readonly session: SqlSessionStore;
  readonly identity: SqlIdentityKeyStore;
  readonly preKey: SqlPreKeyStore;
  readonly signedPreKey: SqlSignedPreKeyStore;
  readonly kyberPreKey: SqlKyberPreKeyStore;
  readonly #profile: ProfileDb;

  /** Stores on this open profile; valid until the profile is closed. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
    this.session = new SqlSessionStore(profile);
    this.identity = new SqlIdentityKeyStore(profile);
    this.preKey = new SqlPreKeyStore(profile);
    this.signedPreKey = new SqlSignedPreKeyStore(profile);
    this.kyberPreKey = new SqlKyberPreKeyStore(profile);
  }

  /** Store this device's identity (once); false if the profile already holds a different one. */
  saveDeviceIdentity(identity: DeviceIdentity): boolean {
    return saveDeviceIdentity(this.#profile, identity);
  }

  /** This device's identity, or undefined before enrolment. */
  loadDeviceIdentity(): DeviceIdentity | undefined {
    return loadDeviceIdentity(this.#profile);
  }

  /** Keep generated prekeys, all in one transaction. */
  installPrekeys(records: InstallablePrekeys): void {
    installPrekeyBatch(this.#profile, records);
  }

  /** Unused one-time prekeys held, per kind (EC, Kyber). */
  countOneTimePrekeys(): { readonly preKeys: number; readonly kyberPreKeys: number } {
    return countOneTimePrekeys(this.#profile);
  }

  /** First never-issued ids for a batch of up to `batch` prekeys of each kind. */
  nextPrekeyIds(batch?: number): NextPrekeyIds {
    return nextPrekeyIds(this.#profile, batch);
  }
}
