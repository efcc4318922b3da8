/**
 * libsignal's three prekey stores on the profile database. Used one-time keys are
 * deleted (with secure_delete on, their pages are zeroed), so a later compromise of the
 * profile cannot decrypt the first messages of past sessions.
 */
import type { PublicKey } from '@signalapp/libsignal-client';
import {
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyRecord,
  PreKeyStore,
  SignedPreKeyRecord,
  SignedPreKeyStore,
} from '@signalapp/libsignal-client';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { InstallablePrekeys, LastResortKyberPreKeySaver } from '@yhteispoyta/crypto/memory-stores';
import { notePrekeyId } from './prekey-ids';
import type { ProfileDb } from './profile-db';

function loadRecord(profile: ProfileDb, sql: string, id: number, what: string): Bytes {
  const stored = profile.db.prepare(sql, { pluck: true }).get([id]);
  // libsignal's contract: an unknown id is an error, which fails the decryption.
  if (!(stored instanceof Uint8Array)) throw new Error(`no ${what} ${id}`);
  return toBytes(stored);
}

function insertPreKey(profile: ProfileDb, id: number, record: PreKeyRecord): void {
  profile.db.prepare('INSERT OR REPLACE INTO one_time_prekeys (id, record, created_at) VALUES (?, ?, ?)').run([id, record.serialize(), Date.now()]);
  notePrekeyId(profile, 'one_time', id);
}

function insertSignedPreKey(profile: ProfileDb, id: number, record: SignedPreKeyRecord): void {
  profile.db.prepare('INSERT OR REPLACE INTO signed_prekeys (id, record, created_at) VALUES (?, ?, ?)').run([id, record.serialize(), Date.now()]);
  notePrekeyId(profile, 'signed', id);
}

function insertKyberPreKey(profile: ProfileDb, id: number, record: KyberPreKeyRecord, lastResort: boolean): void {
  profile.db
    .prepare('INSERT OR REPLACE INTO kyber_prekeys (id, record, last_resort, used, created_at) VALUES (?, ?, ?, 0, ?)')
    .run([id, record.serialize(), lastResort ? 1 : 0, Date.now()]);
  notePrekeyId(profile, 'kyber', id);
}

/**
 * Keep a batch of generated prekeys in one transaction: all of them or none (a crash
 * half-way leaves no keys the server was never told of), and one commit instead of one
 * per key — an enrolment's 200 keys took about 370 ms of separate commits on disk.
 */
export function installPrekeyBatch(profile: ProfileDb, records: InstallablePrekeys): void {
  profile.transaction(() => {
    if (records.signedPreKey !== undefined) insertSignedPreKey(profile, records.signedPreKey.id(), records.signedPreKey);
    if (records.lastResortKyberPreKey !== undefined) insertKyberPreKey(profile, records.lastResortKyberPreKey.id(), records.lastResortKyberPreKey, true);
    for (const record of records.preKeys ?? []) insertPreKey(profile, record.id(), record);
    for (const record of records.kyberPreKeys ?? []) insertKyberPreKey(profile, record.id(), record, false);
  });
}

/** One-time EC prekeys; libsignal removes each after it set up a session. */
export class SqlPreKeyStore extends PreKeyStore {
  readonly #profile: ProfileDb;

  /** A prekey store on this open profile. */
  constructor(profile: ProfileDb) {
    super();
    this.#profile = profile;
  }

  /** Store a one-time prekey. */
  override async savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.#profile.transaction(() => insertPreKey(this.#profile, id, record));
  }

  /** The prekey; throws if unknown or already used. */
  override async getPreKey(id: number): Promise<PreKeyRecord> {
    return PreKeyRecord.deserialize(loadRecord(this.#profile, 'SELECT record FROM one_time_prekeys WHERE id = ?', id, 'prekey'));
  }

  /** Delete a used prekey. */
  override async removePreKey(id: number): Promise<void> {
    this.#profile.db.prepare('DELETE FROM one_time_prekeys WHERE id = ?').run([id]);
  }
}

/** Signed EC prekeys. Kept after rotation: messages built on the old one may still arrive. */
export class SqlSignedPreKeyStore extends SignedPreKeyStore {
  readonly #profile: ProfileDb;

  /** A signed-prekey store on this open profile. */
  constructor(profile: ProfileDb) {
    super();
    this.#profile = profile;
  }

  /** Store a signed prekey. */
  override async saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.#profile.transaction(() => insertSignedPreKey(this.#profile, id, record));
  }

  /** The signed prekey; throws if unknown. */
  override async getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    return SignedPreKeyRecord.deserialize(loadRecord(this.#profile, 'SELECT record FROM signed_prekeys WHERE id = ?', id, 'signed prekey'));
  }
}

/**
 * Kyber prekeys. A one-time key is deleted when libsignal marks it used. The last-resort
 * key stays (it is what peers get once the one-time keys run out), so replay protection
 * for it comes from remembering each (kyber id, signed prekey id, base key) it served:
 * a replayed first message repeats the triple and is refused, as libsignal expects of a
 * store.
 */
export class SqlKyberPreKeyStore extends KyberPreKeyStore implements LastResortKyberPreKeySaver {
  readonly #profile: ProfileDb;

  /** A Kyber prekey store on this open profile. */
  constructor(profile: ProfileDb) {
    super();
    this.#profile = profile;
  }

  /** Store a one-time Kyber prekey. */
  override async saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.#save(id, record, false);
  }

  /** Store the last-resort Kyber prekey, which survives use. */
  async saveLastResortKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.#save(id, record, true);
  }

  /** The Kyber prekey; throws if unknown (used one-time keys are gone). */
  override async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    return KyberPreKeyRecord.deserialize(
      loadRecord(this.#profile, 'SELECT record FROM kyber_prekeys WHERE id = ?', id, 'Kyber prekey'),
    );
  }

  /** Delete a used one-time key; for the last-resort key, refuse a (signed prekey, base key) seen before. */
  override async markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
    const profile = this.#profile;
    profile.transaction(() => {
      const lastResort = profile.db.prepare('SELECT last_resort FROM kyber_prekeys WHERE id = ?', { pluck: true }).get([id]);
      if (lastResort === undefined) throw new Error(`no Kyber prekey ${id}`);
      if (lastResort !== 1) {
        profile.db.prepare('DELETE FROM kyber_prekeys WHERE id = ?').run([id]);
        return;
      }
      const inserted = profile.db
        .prepare(
          `INSERT INTO kyber_prekey_uses (kyber_prekey_id, signed_prekey_id, base_key, used_at) VALUES (?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
        )
        .run([id, signedPreKeyId, baseKey.serialize(), Date.now()]);
      if (inserted.changes === 0) throw new Error(`Kyber prekey ${id} already used with this base key`);
      profile.db.prepare('UPDATE kyber_prekeys SET used = 1 WHERE id = ?').run([id]);
    });
  }

  /** Whether the last-resort Kyber key has served at least one session (a reason to rotate it). */
  lastResortUsed(): boolean {
    return this.#profile.db.prepare('SELECT 1 FROM kyber_prekeys WHERE last_resort = 1 AND used = 1 LIMIT 1', { pluck: true }).get() === 1;
  }

  #save(id: number, record: KyberPreKeyRecord, lastResort: boolean): void {
    this.#profile.transaction(() => insertKyberPreKey(this.#profile, id, record, lastResort));
  }
}
