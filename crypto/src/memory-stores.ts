/**
 * In-memory libsignal stores, FOR TESTS ONLY: nothing survives the process and nothing is
 * encrypted at rest. The agent uses its SQLCipher stores instead. Also home of
 * {@link installPrekeys}, which works with any {@link SignalStores}, and of a test
 * stand-in for the server's bundle claim.
 */
import type { PrivateKey, ProtocolAddress, PublicKey } from '@signalapp/libsignal-client';
import {
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyRecord,
  PreKeyStore,
  SessionRecord,
  SessionStore,
  SignedPreKeyRecord,
  SignedPreKeyStore,
} from '@signalapp/libsignal-client';
import type { Bytes } from './bytes';
import { toBytes, toHex } from './bytes';
import type { DeviceIdentity } from './identity';
import type { ClaimedBundle, PrekeyUpload } from './types';
import { TofuIdentityKeyStore } from './identity-store';
import type { SignalStores } from './sessions';

function addressKey(address: ProtocolAddress): string {
  return `${address.name()}.${address.deviceId()}`;
}

/**
 * Optional capability of a Kyber store: keeping the last-resort key apart from one-time
 * keys, so that using it does not delete it. {@link installPrekeys} uses it when present.
 */
export interface LastResortKyberPreKeySaver {
  saveLastResortKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void>;
}

/** Whether a Kyber store can be told which key is the last-resort one. */
export function savesLastResortKyberPreKeys(store: KyberPreKeyStore): store is KyberPreKeyStore & LastResortKyberPreKeySaver {
  return typeof (store as Partial<LastResortKyberPreKeySaver>).saveLastResortKyberPreKey === 'function';
}

/** Sessions as serialized records, so a stored session is never shared with a caller. For tests only. */
class MemorySessionStore extends SessionStore {
  readonly #sessions = new Map<string, Bytes>();

  /** Store a copy of the record. */
  override async saveSession(name: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.#sessions.set(addressKey(name), toBytes(record.serialize()));
  }

  /** A fresh copy of the record, or null. */
  override async getSession(name: ProtocolAddress): Promise<SessionRecord | null> {
    const stored = this.#sessions.get(addressKey(name));
    return stored === undefined ? null : SessionRecord.deserialize(stored);
  }

  /** Records for all the addresses; throws if any has no session (as libsignal's own test store does). */
  override async getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    return addresses.map((address) => {
      const stored = this.#sessions.get(addressKey(address));
      if (stored === undefined) throw new Error(`no session for ${addressKey(address)}`);
      return SessionRecord.deserialize(stored);
    });
  }
}

/** Identities of remote devices under the TOFU policy. For tests only. */
export class MemoryIdentityKeyStore extends TofuIdentityKeyStore {
  readonly #identities = new Map<string, Bytes>();
  readonly #local: DeviceIdentity;

  /** A store for the device with this identity. */
  constructor(local: DeviceIdentity) {
    super();
    this.#local = local;
  }

  protected override async loadIdentity(address: string): Promise<Bytes | null> {
    return this.#identities.get(address) ?? null;
  }

  protected override async storeIdentity(address: string, publicKey: Bytes): Promise<void> {
    this.#identities.set(address, toBytes(publicKey));
  }

  /** This device's private identity key. */
  override async getIdentityKey(): Promise<PrivateKey> {
    return this.#local.identityKeyPair.privateKey;
  }

  /** This device's registration id. */
  override async getLocalRegistrationId(): Promise<number> {
    return this.#local.registrationId;
  }
}

/** One-time EC prekeys; libsignal removes each after its first use. For tests only. */
class MemoryPreKeyStore extends PreKeyStore {
  readonly #records = new Map<number, Bytes>();

  /** Store a prekey. */
  override async savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.#records.set(id, toBytes(record.serialize()));
  }

  /** The prekey; throws if unknown (libsignal's contract). */
  override async getPreKey(id: number): Promise<PreKeyRecord> {
    const stored = this.#records.get(id);
    if (stored === undefined) throw new Error(`no prekey ${id}`);
    return PreKeyRecord.deserialize(stored);
  }

  /** Forget a used prekey. */
  override async removePreKey(id: number): Promise<void> {
    this.#records.delete(id);
  }

  /** Whether the prekey is still held (for tests and top-up decisions). */
  has(id: number): boolean {
    return this.#records.has(id);
  }
}

/** Signed EC prekeys. For tests only. */
class MemorySignedPreKeyStore extends SignedPreKeyStore {
  readonly #records = new Map<number, Bytes>();

  /** Store a signed prekey. */
  override async saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.#records.set(id, toBytes(record.serialize()));
  }

  /** The signed prekey; throws if unknown (libsignal's contract). */
  override async getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    const stored = this.#records.get(id);
    if (stored === undefined) throw new Error(`no signed prekey ${id}`);
    return SignedPreKeyRecord.deserialize(stored);
  }
}

/**
 * Kyber prekeys: a one-time key is deleted when used; a last-resort key is kept, and each
 * (key, signed prekey, base key) use of it is remembered so a replayed first message is
 * refused, as libsignal expects of the store. For tests only.
 */
export class MemoryKyberPreKeyStore extends KyberPreKeyStore implements LastResortKyberPreKeySaver {
  readonly #records = new Map<number, Bytes>();
  readonly #lastResort = new Set<number>();
  readonly #lastResortUses = new Set<string>();

  /** Store a one-time Kyber prekey. */
  override async saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.#records.set(id, toBytes(record.serialize()));
    this.#lastResort.delete(id);
  }

  /** Store the last-resort Kyber prekey, which survives use. */
  async saveLastResortKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.#records.set(id, toBytes(record.serialize()));
    this.#lastResort.add(id);
  }

  /** The Kyber prekey; throws if unknown (libsignal's contract). */
  override async getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    const stored = this.#records.get(id);
    if (stored === undefined) throw new Error(`no Kyber prekey ${id}`);
    return KyberPreKeyRecord.deserialize(stored);
  }

  /** Delete a used one-time key; for the last-resort key, refuse a base key seen before. */
  override async markKyberPreKeyUsed(id: number, signedPreKeyId: number, baseKey: PublicKey): Promise<void> {
    if (!this.#lastResort.has(id)) {
      this.#records.delete(id);
      return;
    }
    const use = `${id}:${signedPreKeyId}:${toHex(baseKey.serialize())}`;
    if (this.#lastResortUses.has(use)) throw new Error(`Kyber prekey ${id} already used with this base key`);
    this.#lastResortUses.add(use);
  }

  /** Whether the Kyber prekey is still held (for tests). */
  has(id: number): boolean {
    return this.#records.has(id);
  }
}

/** All five stores of one device in memory. For tests only. */
export class MemorySignalStores implements SignalStores {
  readonly session = new MemorySessionStore();
  readonly identity: MemoryIdentityKeyStore;
  readonly preKey = new MemoryPreKeyStore();
  readonly signedPreKey = new MemorySignedPreKeyStore();
  readonly kyberPreKey = new MemoryKyberPreKeyStore();

  /** Stores for the device with this identity. */
  constructor(identity: DeviceIdentity) {
    this.identity = new MemoryIdentityKeyStore(identity);
  }
}

/** Generated prekey records to keep: any part may be absent (top-ups, signed-prekey rotation). */
export interface InstallablePrekeys {
  readonly signedPreKey?: SignedPreKeyRecord;
  readonly lastResortKyberPreKey?: KyberPreKeyRecord;
  readonly preKeys?: readonly PreKeyRecord[];
  readonly kyberPreKeys?: readonly KyberPreKeyRecord[];
}

/**
 * Save generated prekey records into a device's stores. The last-resort Kyber key goes
 * through {@link LastResortKyberPreKeySaver} when the store offers it; a store without
 * that capability receives it as an ordinary Kyber prekey and must itself keep it on use.
 */
export async function installPrekeys(stores: SignalStores, records: InstallablePrekeys): Promise<void> {
  if (records.signedPreKey) await stores.signedPreKey.saveSignedPreKey(records.signedPreKey.id(), records.signedPreKey);
  const lastResort = records.lastResortKyberPreKey;
  if (lastResort) {
    if (savesLastResortKyberPreKeys(stores.kyberPreKey)) await stores.kyberPreKey.saveLastResortKyberPreKey(lastResort.id(), lastResort);
    else await stores.kyberPreKey.saveKyberPreKey(lastResort.id(), lastResort);
  }
  for (const record of records.preKeys ?? []) await stores.preKey.savePreKey(record.id(), record);
  for (const record of records.kyberPreKeys ?? []) await stores.kyberPreKey.saveKyberPreKey(record.id(), record);
}

/**
 * What the prekey directory would hand out for `upload`, FOR TESTS ONLY: the one-time
 * prekeys at the given indexes, or none (EC) and the last-resort key (Kyber) when omitted.
 * Throws RangeError for an index the upload does not have.
 */
export function bundleFromUpload(
  userId: string,
  upload: PrekeyUpload,
  take: { readonly preKeyIndex?: number; readonly kyberIndex?: number } = {},
): ClaimedBundle {
  const pick = <T>(list: readonly T[], index: number | undefined, what: string): T | undefined => {
    if (index === undefined) return undefined;
    const item = list[index];
    if (item === undefined) throw new RangeError(`upload has no ${what} at index ${index}`);
    return item;
  };
  const preKey = pick(upload.oneTimePreKeys, take.preKeyIndex, 'one-time prekey');
  return {
    device: { userId, deviceId: upload.deviceId },
    registrationId: upload.registrationId,
    identityKey: upload.identityKey,
    signedPreKey: upload.signedPreKey,
    kyberPreKey: pick(upload.oneTimeKyberPreKeys, take.kyberIndex, 'one-time Kyber prekey') ?? upload.lastResortKyberPreKey,
    ...(preKey === undefined ? {} : { preKey }),
  };
}
