/**
 * Which identity key this device trusts for each remote device: the key a device
 * certificate signed by the person's user key names, where the person is certified by
 * his organisation (or, for a client, by the professional who invited him) under the root
 * this device pinned. The server's directory is never asked.
 *
 * On top of certificates, each person's user key is pinned on first sight (like a safety
 * number in Signal): if a person later appears with another certified user key (the
 * organisation re-certified him, or someone holds the organisation key), nothing of his
 * is accepted until the user compares the new safety number and accepts it.
 *
 * libsignal's own identity store is kept in step with the certified keys, so a session
 * can only ever be built with, and messages only decrypted from, the certified key.
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { bytesEqual, toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { VerifiedPerson } from '@yhteispoyta/crypto/certificates/person';
import { toProtocolAddress } from '@yhteispoyta/crypto/identity';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { SerialQueue } from '@yhteispoyta/common/queue';
import type { CertificateBook } from '../identity/certificate-book';
import type { ProfileDb } from '../profile/profile-db';
import type { SqlSignalStores } from '../profile/signal-stores';

/** A person whose certified user key differs from the one first pinned. */
export interface IdentityChange {
  readonly userId: string;
  readonly newKey: Bytes;
}

/** The trusted identities of this profile. */
export class TrustedIdentities {
  readonly #profile: ProfileDb;
  readonly #stores: SqlSignalStores;
  readonly #queue: SerialQueue;
  readonly #self: DeviceRef;
  readonly #ownKey: Bytes;
  /** people with a user-key change waiting (read on every envelope check, so kept in memory) */
  #changed: Map<string, Bytes> | undefined;
  readonly book: CertificateBook;

  /** Identities of the device `self` (whose own key is `ownKey`), verified with `book`. */
  constructor(profile: ProfileDb, stores: SqlSignalStores, queue: SerialQueue, self: DeviceRef, ownKey: PublicKey, book: CertificateBook) {
    this.#profile = profile;
    this.#stores = stores;
    this.#queue = queue;
    this.#self = self;
    this.#ownKey = toBytes(ownKey.serialize());
    this.book = book;
  }

  /** The certified key of a device (this device's own key for itself), whether or not its person's key is in dispute. */
  trusted(ref: DeviceRef): Bytes | undefined {
    if (deviceKey(ref) === deviceKey(this.#self)) return this.#ownKey;
    return this.book.person(ref.userId)?.devices.find((d) => d.deviceId === ref.deviceId)?.identityKey;
  }

  /** The key to accept signatures and keys from: certified, unrevoked, and its person's user key not in dispute. */
  usable(ref: DeviceRef): Bytes | undefined {
    if (deviceKey(ref) === deviceKey(this.#self)) return this.#ownKey;
    return this.changed(ref) === undefined ? this.trusted(ref) : undefined;
  }

  /**
   * The key a membership event signed at `at` by `ref` is checked with: the device must
   * have been certified then (a device revoked later still signed its earlier events).
   */
  chainAuthorKey(ref: DeviceRef, at: number): Bytes | undefined {
    if (deviceKey(ref) === deviceKey(this.#self)) return this.#ownKey;
    if (this.changed(ref) !== undefined) return undefined;
    const then = this.book.personAt(ref.userId, at)?.devices.find((d) => d.deviceId === ref.deviceId);
    return then?.identityKey;
  }

  /** The newly certified user key of the person of `ref`, while the change waits for the user. */
  changed(ref: DeviceRef): Bytes | undefined {
    return this.changedPerson(ref.userId);
  }

  /** The newly certified user key of a person, while the change waits for the user. */
  changedPerson(userId: string): Bytes | undefined {
    return this.#changes().get(userId);
  }

  /** Every person with a change waiting. */
  changes(): IdentityChange[] {
    return [...this.#changes()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([userId, newKey]) => ({ userId, newKey }));
  }

  #changes(): Map<string, Bytes> {
    this.#changed ??= new Map(
      this.#profile.db
        .prepare('SELECT user_id, new_key FROM identity_person_keys WHERE new_key IS NOT NULL')
        .all()
        .flatMap((row) => (row.new_key instanceof Uint8Array ? [[String(row.user_id), toBytes(row.new_key)] as const] : [])),
    );
    return this.#changed;
  }

  /** The user key pinned for a person (the one his safety number is computed from). */
  pinnedUserKey(userId: string): Bytes | undefined {
    const key = this.#profile.db.prepare('SELECT user_key FROM identity_person_keys WHERE user_id = ?', { pluck: true }).get([userId]);
    return key instanceof Uint8Array ? toBytes(key) : undefined;
  }

  /** Whether the user marked the person's current user key verified. */
  isVerified(userId: string): boolean {
    return this.#profile.db.prepare('SELECT verified FROM identity_person_keys WHERE user_id = ? AND new_key IS NULL', { pluck: true }).get([userId]) === 1;
  }

  /** Mark a person's pinned key verified or not; false when nothing is pinned or a change waits. */
  setVerified(userId: string, verified: boolean): boolean {
    const result = this.#profile.db
      .prepare('UPDATE identity_person_keys SET verified = ? WHERE user_id = ? AND new_key IS NULL')
      .run([verified ? 1 : 0, userId]);
    return result.changes > 0;
  }

  /**
   * Make sure the certificates of these devices' people are known (fetching bundles never
   * fetched), pin their user keys, and put their certified device keys into libsignal's
   * store. Returns people whose user key changed (news to report).
   */
  async ensureKnown(refs: readonly DeviceRef[]): Promise<IdentityChange[]> {
    // This person's own certificates count too: the chain names this device beside the others.
    const userIds = [...new Set(refs.map((r) => r.userId))];
    await this.book.ensure(userIds);
    return this.adopt(userIds);
  }

  /** Fetch the users' current certificates (new devices, revocations), then as {@link ensureKnown}. */
  async refresh(userIds: readonly string[]): Promise<IdentityChange[]> {
    await this.book.refresh(userIds);
    return this.adopt(userIds);
  }

  /** Pin and install what the stored certificates of these people say now. Returns user-key changes that are news. */
  async adopt(userIds: readonly string[]): Promise<IdentityChange[]> {
    const news: IdentityChange[] = [];
    for (const userId of userIds) {
      const person = this.book.person(userId);
      if (person === undefined) continue;
      if (this.#pin(person)) news.push({ userId, newKey: person.userKey });
      if (this.changedPerson(userId) === undefined) await this.#install(person);
    }
    return news;
  }

  /** The user accepted a person's new user key: pin it and install his certified devices. */
  async accept(userId: string): Promise<boolean> {
    const newKey = this.changedPerson(userId);
    if (newKey === undefined) return false;
    this.#profile.db
      .prepare('UPDATE identity_person_keys SET user_key = ?, new_key = NULL, verified = 0, changed_at = ? WHERE user_id = ?')
      .run([newKey, Date.now(), userId]);
    this.#changed = undefined;
    const person = this.book.person(userId);
    if (person !== undefined) await this.#install(person);
    return true;
  }

  /** Pin a person's user key on first sight; record a different one as a change. True when the change is news. */
  #pin(person: VerifiedPerson): boolean {
    const row = this.#profile.db.prepare('SELECT user_key, new_key FROM identity_person_keys WHERE user_id = ?').get([person.userId]);
    if (row === undefined) {
      this.#profile.db
        .prepare('INSERT INTO identity_person_keys (user_id, user_key, verified, new_key, first_seen, changed_at) VALUES (?, ?, 0, NULL, ?, NULL)')
        .run([person.userId, person.userKey, Date.now()]);
      return false;
    }
    const pinned = row.user_key instanceof Uint8Array ? toBytes(row.user_key) : undefined;
    if (pinned !== undefined && bytesEqual(pinned, person.userKey)) {
      if (row.new_key !== null) {
        this.#profile.db.prepare('UPDATE identity_person_keys SET new_key = NULL WHERE user_id = ?').run([person.userId]);
        this.#changed = undefined;
      }
      return false;
    }
    const known = row.new_key instanceof Uint8Array ? toBytes(row.new_key) : undefined;
    if (known !== undefined && bytesEqual(known, person.userKey)) return false;
    this.#profile.db.prepare('UPDATE identity_person_keys SET new_key = ?, verified = 0 WHERE user_id = ?').run([person.userKey, person.userId]);
    this.#changed = undefined;
    return true;
  }

  /** Put each certified device key into libsignal's store; a re-certified key replaces the old one and its session. */
  async #install(person: VerifiedPerson): Promise<void> {
    const { identity, session } = this.#stores;
    await this.#queue.run(async () => {
      for (const device of person.devices) {
        const ref = { userId: person.userId, deviceId: device.deviceId };
        if (deviceKey(ref) === deviceKey(this.#self)) continue;
        const address = toProtocolAddress(ref);
        const held = await identity.getIdentity(address);
        const key = PublicKey.deserialize(device.identityKey);
        if (held === null) await identity.saveIdentity(address, key);
        else if (!bytesEqual(held.serialize(), device.identityKey)) {
          await identity.acceptIdentityChange(ref, key);
          session.deleteSession(address);
        }
      }
    });
  }
}
