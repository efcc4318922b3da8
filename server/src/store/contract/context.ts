/**
 * What the contract sections share: the store under test and the raw-access inspector,
 * plus small fixtures.
 */
import { randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import type { PrekeyUpload, PublicPrekey, SignedPublicPrekey } from '@yhteispoyta/crypto/types';
import type { Store } from '../port';

/** Raw access under the port, implemented per adapter by its test file. */
export interface StoreInspector {
  /** Overwrite the stored `action` of audit entry `seq` directly in the database. */
  tamperAuditAction(store: Store, seq: number, action: string): Promise<void>;
  /** How many blob chunk rows/documents exist in the database, complete or not. */
  blobChunkCount(store: Store): Promise<number>;
  /**
   * Commit as another server process sharing the store would (its own connection, not
   * the store object): add 1 to the lastActivityAt of every workspace.
   */
  commitFromOutside(store: Store): Promise<void>;
  /** Delete every leaf of the transparency log (as a store from before the log looked). */
  forgetLog(store: Store): Promise<void>;
}

/** Handed to every contract section. */
export interface ContractContext {
  /** The fresh store of the running case. */
  store(): Store;
  readonly inspector: StoreInspector;
}

/** A fake public key as base64 (the store never parses keys). */
const fakeKey = (): string => toBase64(randomBytes(33));

/** A signed prekey with a fake key and signature. */
export const signedPrekey = (id: number): SignedPublicPrekey => ({ id, publicKey: fakeKey(), signature: toBase64(randomBytes(64)) });

/** A one-time EC prekey with a fake key. */
export const prekey = (id: number): PublicPrekey => ({ id, publicKey: fakeKey() });

/** A device upload with `ec` one-time EC and `kyber` one-time Kyber prekeys (ids from 1). */
export function makeUpload(deviceId: number, ec: number, kyber: number): PrekeyUpload {
  return {
    identityKey: fakeKey(),
    registrationId: 1000 + deviceId,
    deviceId,
    signedPreKey: signedPrekey(1),
    lastResortKyberPreKey: signedPrekey(9999),
    oneTimePreKeys: Array.from({ length: ec }, (_, i) => prekey(i + 1)),
    oneTimeKyberPreKeys: Array.from({ length: kyber }, (_, i) => signedPrekey(i + 1)),
  };
}

/** Create org `org1`, user `alice` (social worker) and, if asked, her device 1. */
export async function seedUser(store: Store, device?: { ec: number; kyber: number }): Promise<PrekeyUpload | null> {
  await store.directory.createOrg({ id: 'org1', name: 'Kaupunki', createdAt: 1 });
  await store.directory.createUser({ id: 'alice', orgId: 'org1', role: 'social_worker', displayName: 'Alice', createdAt: 2 });
  if (!device) return null;
  const upload = makeUpload(1, device.ec, device.kyber);
  const res = await store.directory.registerDevice('alice', upload, 3);
  if (!res.ok) throw new Error(`seed: registerDevice failed: ${res.code}`);
  return upload;
}

/** Bytes of the given length with a recognisable pattern. */
export function patterned(length: number, seed: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(length));
  for (let i = 0; i < length; i += 1) out[i] = (i * 31 + seed) & 0xff;
  return out;
}
