/**
 * Whether the leaves a log handed out are exactly the leaves it appended between two heads.
 * A consistency proof (RFC 9162 §2.1.4) from size m to size n carries, as the left siblings
 * of its walk, the complete subtrees the tree of m leaves is made of (its frontier: one per
 * set bit of m) — the verification checks that they hash to the first head's root. From
 * that frontier and the leaves m … n − 1 the root of n leaves is computed again; if it is
 * the second head's root, no leaf was left out, added or changed. An agent that checks this
 * for every head it moves on to has seen every certificate the log appended since — the
 * server cannot keep one (a revocation) from it. Pure; false for anything malformed.
 */
import { bytesEqual } from '../bytes';
import { nodeHash, rootOf, verifyConsistency } from './merkle';

/** The frontier of the tree of `size1` leaves, largest subtree first, read from a verified consistency proof. */
function frontier(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array): { size: number; hash: Uint8Array }[] | undefined {
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  const first = path[0];
  if (first === undefined) return undefined;
  let fn = size1 - 1;
  let sn = size2 - 1;
  let level = 0;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
    level++;
  }
  const nodes = [{ size: 2 ** level, hash: first }];
  for (const c of path.slice(1)) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      if (fn % 2 === 1) nodes.push({ size: 2 ** level, hash: c });
      else {
        // The path's node has no sibling at these levels: c is the left sibling higher up.
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
          level++;
        }
        nodes.push({ size: 2 ** level, hash: c });
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
    level++;
  }
  const out = nodes.reverse();
  // The subtrees must be the binary decomposition of size1, largest first.
  let rest = size1;
  for (const node of out) {
    if (node.size > rest || (rest & node.size) === 0) return undefined;
    rest -= node.size;
  }
  return rest === 0 ? out : undefined;
}

/**
 * Whether `appended` (leaf hashes) are the leaves `size1` … `size2` − 1 of the log whose
 * heads have roots `root1` (size1 leaves) and `root2` (size2 leaves), given the consistency
 * proof between them.
 */
export function appendedLeavesProven(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array, appended: readonly Uint8Array[]): boolean {
  if (!verifyConsistency(size1, size2, proof, root1, root2)) return false;
  if (!Array.isArray(appended) || appended.length !== size2 - size1) return false;
  if (size1 === size2) return true;
  if (size1 === 0) return bytesEqual(rootOf(appended), root2);
  const stack = frontier(size1, size2, proof, root1);
  if (stack === undefined) return false;
  for (const leaf of appended) {
    stack.push({ size: 1, hash: leaf });
    for (let top = stack.at(-1), below = stack.at(-2); top !== undefined && below !== undefined && top.size === below.size; top = stack.at(-1), below = stack.at(-2)) {
      stack.splice(-2, 2, { size: top.size * 2, hash: nodeHash(below.hash, top.hash) });
    }
  }
  let root = stack.at(-1)?.hash;
  for (let i = stack.length - 2; i >= 0 && root !== undefined; i--) root = nodeHash((stack[i] as { hash: Uint8Array }).hash, root);
  return root !== undefined && bytesEqual(root, root2);
}
