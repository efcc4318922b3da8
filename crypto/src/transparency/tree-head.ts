/**
 * Signed tree heads and log leaves of the transparency log. A tree head says "the log
 * holds `treeSize` entries whose Merkle root is `rootHash`", signed by the log's key with
 * its own context string; an agent that holds two heads of the same log checks that the
 * later one only appended (a consistency proof), and members compare the newest head they
 * know inside their encrypted traffic, so a log that shows them different histories is
 * caught. A leaf is one certificate: the canonical JSON the certificate's id hashes too.
 */
import { sign, verify } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, fromBase64, fromHex, toBase64, toHex, utf8 } from '../bytes';
import type { Bytes } from '../bytes';
import { certificateJson } from '../certificates/signing';
import type { Certificate } from '../certificates/types';
import { logVerifyingKey } from './log-key';
import type { LogSigningKey } from './log-key';
import { HASH_BYTES, leafHash } from './merkle';

const TREE_HEAD_CONTEXT = 'yhteispoyta/tree-head/v1\n';
const LEAF_CONTEXT = 'yhteispoyta/log-leaf/v1\n';

/** What a tree head states. */
export interface TreeHead {
  readonly treeSize: number;
  /** hex SHA-256 Merkle root of the first `treeSize` leaves */
  readonly rootHash: string;
  /** when the log signed it (ms since epoch) */
  readonly timestamp: number;
}

/** A tree head with the log key's Ed25519 signature (base64 of 64 bytes). */
export interface SignedTreeHead extends TreeHead {
  readonly signature: string;
}

const hexHash = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** Schema of a signed tree head from the network. */
export const signedTreeHeadSchema = z.strictObject({
  treeSize: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  rootHash: hexHash,
  timestamp: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  signature: z.string().max(88).refine((s) => fromBase64(s)?.byteLength === 64, 'must be base64 of 64 bytes'),
});

function headBytes(head: TreeHead): Bytes {
  return utf8(TREE_HEAD_CONTEXT + canonicalJson({ treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp }));
}

/** Sign a tree head with the log's key (Ed25519: the `null` digest is the scheme's own). */
export function signTreeHead(head: TreeHead, logKey: LogSigningKey): SignedTreeHead {
  return { treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp, signature: toBase64(sign(null, headBytes(head), logKey)) };
}

/**
 * Parse an untrusted signed tree head and check its signature under the log's public key
 * (32 raw bytes or their base64); undefined when anything fails. Never throws.
 */
export function verifyTreeHead(value: unknown, logKey: Uint8Array | string): SignedTreeHead | undefined {
  try {
    const parsed = signedTreeHeadSchema.safeParse(value);
    const key = logVerifyingKey(logKey);
    if (!parsed.success || key === undefined) return undefined;
    const signature = fromBase64(parsed.data.signature);
    if (signature === undefined || !verify(null, headBytes(parsed.data), key, signature)) return undefined;
    return parsed.data;
  } catch {
    // Only reachable with exotic values (throwing getters, proxies): never JSON.
    return undefined;
  }
}

/** The root of a head as bytes. */
export function headRoot(head: TreeHead): Bytes {
  const root = fromHex(head.rootHash);
  if (root === undefined || root.byteLength !== HASH_BYTES) throw new RangeError('malformed root hash');
  return root;
}

/** The leaf data of a certificate in the log. */
export function certificateLeafData(certificate: Certificate): Bytes {
  return utf8(LEAF_CONTEXT + canonicalJson(certificateJson(certificate)));
}

/** The leaf hash of a certificate in the log (what inclusion proofs prove). */
export function certificateLeafHash(certificate: Certificate): Bytes {
  return leafHash(certificateLeafData(certificate));
}

/** Hex of a hash, for heads. */
export function rootHex(root: Uint8Array): string {
  return toHex(root);
}
