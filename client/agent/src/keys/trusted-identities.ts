/**
 * Which identity key this device trusts for each remote device: the TOFU store of the
 * profile (SqlIdentityKeyStore) is the record; the server's directory only provides the
 * first sighting. A device that later presents another key is recorded as changed and
 * stays untrusted (its events, envelopes and keys are refused) until the user accepts
 * the change after comparing the new safety number.
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { bytesEqual, toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { publicKeyFromBytes, toProtocolAddress } from '@yhteispoyta/crypto/identity';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { SerialQueue } from '../account/serial-queue';
import type { ProfileDb } from '../profile/profile-db';
import type { SqlSignalStores } from '../profile/signal-stores';
import type { Directory } from './directory';
import { parseDeviceKey } from './epoch-key-store';

/** A device whose announced key differs from the trusted one. */
export interface IdentityChange {
  readonly device: DeviceRef;
  readonly newKey: Bytes;
}

/** The trusted identity keys of this profile, with a synchronous view for chain checks. */
export class TrustedIdentities {
  readonly #profile: ProfileDb;
  readonly #stores: SqlSignalStores;
  readonly #queue: SerialQueue;
  readonly #self: DeviceRef;
  readonly #ownKey: Bytes;
  #cache = new Map<string, Bytes>();

  /** Identities of the device `self` (whose own key is `ownKey`) on its profile. */
  constructor(profile: ProfileDb, stores: SqlSignalStores, queue: SerialQueue, self: DeviceRef, ownKey: PublicKey) {
    this.#profile = profile;
    this.#stores = stores;
    this.#queue = queue;
    this.#self = self;
    this.#ownKey = toBytes(ownKey.serialize());
    this.#reload();
  }

  /** The key on record for a device (this device's own key for itself), changed or not. */
  trusted(ref: DeviceRef): Bytes | undefined {
    const key = deviceKey(ref);
    if (key === deviceKey(this.#self)) return this.#ownKey;
    let found = this.#cache.get(key);
    if (found === undefined) {
      // libsignal records first-use identities itself; pick those up.
      this.#reload();
      found = this.#cache.get(key);
    }
    return found;
  }

  /** The key to accept signatures from: none while a change waits for the user. */
  usable(ref: DeviceRef): Bytes | undefined {
    return this.changed(ref) === undefined ? this.trusted(ref) : undefined;
  }

  /** The newly announced key of a device whose change waits for the user. */
  changed(ref: DeviceRef): Bytes | undefined {
    const key = this.#profile.db.prepare('SELECT new_key FROM keys_identity_changes WHERE device = ?', { pluck: true }).get([deviceKey(ref)]);
    return key instanceof Uint8Array ? toBytes(key) : undefined;
  }

  /** Every device with a change waiting. */
  changes(): IdentityChange[] {
    return this.#profile.db
      .prepare('SELECT device, new_key FROM keys_identity_changes ORDER BY device')
      .all()
      .flatMap((row) => (row.new_key instanceof Uint8Array ? [{ device: parseDeviceKey(String(row.device)), newKey: toBytes(row.new_key) }] : []));
  }

  /**
   * Record that `ref` presented `newKey`. Returns true when this is news (a change not
   * recorded before), so the caller reports it once. A key equal to the trusted one
   * clears a recorded change instead.
   */
  noteAnnounced(ref: DeviceRef, newKey: Bytes): boolean {
    const trusted = this.trusted(ref);
    if (trusted !== undefined && bytesEqual(trusted, newKey)) {
      this.#profile.db.prepare('DELETE FROM keys_identity_changes WHERE device = ?').run([deviceKey(ref)]);
      return false;
    }
    const known = this.changed(ref);
    if (known !== undefined && bytesEqual(known, newKey)) return false;
    this.#profile.db
      .prepare('INSERT INTO keys_identity_changes (device, new_key, seen_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET new_key = excluded.new_key, seen_at = excluded.seen_at')
      .run([deviceKey(ref), newKey, Date.now()]);
    return true;
  }

  /**
   * Make sure the devices' keys are on record: the directory's key is trusted on first
   * sight; a directory key that differs from the record is returned as a change (and
   * recorded). Devices the directory does not list are left unknown.
   */
  async ensureKnown(refs: readonly DeviceRef[], directory: Directory): Promise<IdentityChange[]> {
    const byUser = new Map<string, DeviceRef[]>();
    for (const ref of refs) {
      if (deviceKey(ref) === deviceKey(this.#self)) continue;
      const list = byUser.get(ref.userId) ?? [];
      if (!list.some((r) => r.deviceId === ref.deviceId)) list.push(ref);
      byUser.set(ref.userId, list);
    }
    const news: IdentityChange[] = [];
    for (const [userId, wanted] of byUser) {
      const listed = await directory.devices(userId);
      for (const ref of wanted) {
        const announced = listed.find((d) => d.deviceId === ref.deviceId)?.identityKey;
        // A key libsignal cannot read is no identity at all: the device stays unknown.
        if (announced === undefined || publicKeyFromBytes(announced) === undefined) continue;
        if (this.trusted(ref) === undefined) {
          await this.#trustFirstSight(ref, announced);
        } else if (this.noteAnnounced(ref, announced)) {
          news.push({ device: ref, newKey: announced });
        }
      }
    }
    return news;
  }

  /** The user accepted the recorded new key: trust it, and forget the session built on the old one. */
  async accept(ref: DeviceRef): Promise<boolean> {
    const newKey = this.changed(ref);
    if (newKey === undefined) return false;
    await this.#queue.run(async () => {
      await this.#stores.identity.acceptIdentityChange(ref, PublicKey.deserialize(newKey));
      this.#stores.session.deleteSession(toProtocolAddress(ref));
      this.#profile.db.prepare('DELETE FROM keys_identity_changes WHERE device = ?').run([deviceKey(ref)]);
    });
    this.#reload();
    return true;
  }

  async #trustFirstSight(ref: DeviceRef, key: Bytes): Promise<void> {
    await this.#queue.run(async () => {
      // saveIdentity is the TOFU policy: it stores a first key and refuses a different one.
      if ((await this.#stores.identity.getIdentity(toProtocolAddress(ref))) === null) {
        await this.#stores.identity.saveIdentity(toProtocolAddress(ref), PublicKey.deserialize(key));
      }
    });
    this.#reload();
    const trusted = this.trusted(ref);
    if (trusted !== undefined && !bytesEqual(trusted, key)) this.noteAnnounced(ref, key);
  }

  #reload(): void {
    const next = new Map<string, Bytes>();
    for (const identity of this.#stores.identity.listIdentities()) {
      next.set(deviceKey(identity.device), toBytes(identity.publicKey.serialize()));
    }
    this.#cache = next;
  }
}
