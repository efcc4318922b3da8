/**
 * The deployment root: the key that signs organisation certificates. It is made and kept
 * by the service owner (not the hosting operator), offline in a key file; agents pin its
 * fingerprint, which every enrolment code carries.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { z } from 'zod';
import { fromBase64, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { rootFingerprint } from '@yhteispoyta/crypto/certificates/index';
import { AdminError } from './errors';
import { KeyFile } from './key-file';
import type { CreateKeyFileOptions } from './key-file';

/** A deployment root in memory. */
export interface RootKey {
  readonly privateKey: PrivateKey;
  /** base64 of the serialized public key (what the server and agents hold) */
  readonly publicKey: string;
  /** what codes carry and agents pin */
  readonly fingerprint: string;
}

/** The root from its private key. */
function rootFromPrivateKey(privateKey: PrivateKey): RootKey {
  const publicBytes = toBytes(privateKey.getPublicKey().serialize());
  return { privateKey, publicKey: toBase64(publicBytes), fingerprint: rootFingerprint(publicBytes) };
}

/** A fresh deployment root. */
export function createRoot(): RootKey {
  return rootFromPrivateKey(PrivateKey.generate());
}

const rootPayloadSchema = z.strictObject({
  v: z.literal(1),
  privateKey: z.string().max(64),
  publicKey: z.string().max(64),
});

/** Write `root` to a new key file at `path` (refuses to overwrite). */
export async function saveRootKey(path: string, root: RootKey, passphrase: string, opts: CreateKeyFileOptions = {}): Promise<void> {
  await KeyFile.create(path, 'root', { v: 1, privateKey: toBase64(root.privateKey.serialize()), publicKey: root.publicKey }, passphrase, opts);
}

/** Read the root from its key file; a wrong passphrase is AdminError `wrong_passphrase`. */
export async function loadRootKey(path: string, passphrase: string): Promise<RootKey> {
  const { payload } = await KeyFile.open(path, 'root', passphrase);
  const parsed = rootPayloadSchema.safeParse(payload);
  const bytes = parsed.success ? fromBase64(parsed.data.privateKey) : undefined;
  let root: RootKey | undefined;
  try {
    root = bytes === undefined ? undefined : rootFromPrivateKey(PrivateKey.deserialize(bytes));
  } catch {
    root = undefined;
  }
  // The stored public half must be the private key's: a mismatch means the file is not what it claims.
  if (root === undefined || !parsed.success || root.publicKey !== parsed.data.publicKey) {
    throw new AdminError('corrupt_key_file', `${path} opened, but does not hold a valid root key`);
  }
  return root;
}
