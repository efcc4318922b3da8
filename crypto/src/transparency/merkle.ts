/**
 * The Merkle tree of the transparency log, in the shapes of RFC 9162 §2.1: SHA-256,
 * leaf hashes `H(0x00 ‖ leaf)` and node hashes `H(0x01 ‖ left ‖ right)` (the distinct
 * prefixes keep a leaf from passing as a node), the tree of n leaves split at the largest
 * power of two below n. The server computes roots and proofs; agents verify them with the
 * functions at the end, which never throw on hostile input.
 */
import { bytesEqual, sha256 } from '../bytes';
import type { Bytes } from '../bytes';

/** Size of a hash in the tree. */
export const HASH_BYTES = 32;
/** The root of the empty tree: SHA-256 of nothing (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Bytes = sha256();

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** The hash of a leaf's data. */
export function leafHash(data: Uint8Array): Bytes {
  return sha256(LEAF_PREFIX, data);
}

/** The hash of an inner node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Bytes {
  return sha256(NODE_PREFIX, left, right);
}

/** The largest power of two smaller than n (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over already-hashed leaves (RFC 9162 §2.1.1). */
export function rootOf(leafHashes: readonly Uint8Array[]): Bytes {
  const n = leafHashes.length;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return Uint8Array.from(leafHashes[0] as Uint8Array) as Bytes;
  const k = splitPoint(n);
  return nodeHash(rootOf(leafHashes.slice(0, k)), rootOf(leafHashes.slice(k)));
}

/** PATH(m, D[n]): the inclusion proof of leaf `index` in the tree of these leaves (RFC 9162 §2.1.3.1). */
export function inclusionProof(index: number, leafHashes: readonly Uint8Array[]): Bytes[] {
  const n = leafHashes.length;
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new RangeError(`no leaf ${index} in a tree of ${n}`);
  if (n === 1) return [];
  const k = splitPoint(n);
  return index < k
    ? [...inclusionProof(index, leafHashes.slice(0, k)), rootOf(leafHashes.slice(k))]
    : [...inclusionProof(index - k, leafHashes.slice(k)), rootOf(leafHashes.slice(0, k))];
}

/** PROOF(m, D[n]): the consistency proof from the tree of the first `size1` leaves to the whole (RFC 9162 §2.1.4.1). */
export function consistencyProof(size1: number, leafHashes: readonly Uint8Array[]): Bytes[] {
  const n = leafHashes.length;
  if (!Number.isInteger(size1) || size1 < 1 || size1 > n) throw new RangeError(`no consistency proof from ${size1} to ${n}`);
  return subproof(size1, leafHashes, true);
}

function subproof(m: number, leaves: readonly Uint8Array[], complete: boolean): Bytes[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [rootOf(leaves)];
  const k = splitPoint(n);
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), complete), rootOf(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), rootOf(leaves.slice(0, k))];
}

const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.byteLength === HASH_BYTES;
const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * Whether `proof` shows the leaf with hash `leaf` at `index` in the tree of `treeSize`
 * leaves whose root is `root` (RFC 9162 §2.1.3.2). False for anything malformed.
 */
export function verifyInclusion(leaf: unknown, index: unknown, treeSize: unknown, proof: unknown, root: unknown): boolean {
  if (!isHash(leaf) || !isHash(root) || !isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!Array.isArray(proof) || proof.length > 64 || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * Whether `proof` shows the tree of `size1` leaves with root `root1` is a prefix of the
 * tree of `size2` leaves with root `root2` (RFC 9162 §2.1.4.2): the log only appended in
 * between. False for anything malformed.
 */
export function verifyConsistency(size1: unknown, size2: unknown, proof: unknown, root1: unknown, root2: unknown): boolean {
  if (!isSize(size1) || !isSize(size2) || !isHash(root1) || !isHash(root2) || size1 > size2) return false;
  if (!Array.isArray(proof) || proof.length > 128 || !proof.every(isHash)) return false;
  if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2);
  if (size1 === 0) return proof.length === 0;
  // When size1 is a power of two the first tree's root is itself the first node of the path.
  const path: Uint8Array[] = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0] as Uint8Array;
  let sr: Uint8Array = path[0] as Uint8Array;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
}

