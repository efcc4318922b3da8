/** libsignal sessions on the profile database, one serialized SessionRecord per remote device. */
import type { ProtocolAddress } from '@signalapp/libsignal-client';
import { SessionRecord, SessionStore } from '@signalapp/libsignal-client';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { ProfileDb } from './profile-db';

/** The `userId.deviceId` key under which a remote device's rows are stored. */
function addressKey(address: ProtocolAddress): string {
  return `${address.name()}.${address.deviceId()}`;
}

/** libsignal SessionStore on a profile. Each call reads or writes the database directly, so state survives a crash. */
export class SqlSessionStore extends SessionStore {
  readonly #profile: ProfileDb;

  /** A session store on this open profile. */
  constructor(profile: ProfileDb) {
    super();
    this.#profile = profile;
  }

  /** Insert or replace the session with `name`. */
  override async saveSession(name: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.#profile.db
      .prepare(
        `INSERT INTO sessions (address, record, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (address) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at`,
      )
      .run([addressKey(name), record.serialize(), Date.now()]);
  }

  /** The session with `name`, or null if none. */
  override async getSession(name: ProtocolAddress): Promise<SessionRecord | null> {
    return this.#load(addressKey(name)) ?? null;
  }

  /** Sessions for all the addresses; throws if any is missing (libsignal's contract for multi-recipient sends). */
  override async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    return addresses.map((address) => {
      const record = this.#load(addressKey(address));
      if (record === undefined) throw new Error(`no session for ${addressKey(address)}`);
      return record;
    });
  }

  /** Forget the session with a device (e.g. after it was removed from every workspace). */
  deleteSession(name: ProtocolAddress): void {
    this.#profile.db.prepare('DELETE FROM sessions WHERE address = ?').run([addressKey(name)]);
  }

  #load(address: string): SessionRecord | undefined {
    const stored = this.#profile.db.prepare('SELECT record FROM sessions WHERE address = ?', { pluck: true }).get([address]);
    return stored instanceof Uint8Array ? SessionRecord.deserialize(toBytes(stored)) : undefined;
  }
}
