/**
 * appendedLeavesProven against crypto's MerkleTree for every pair of sizes up to 33: the
 * true appended leaves pass; one changed, one left out, one added, or the leaves of another
 * log do not.
 */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../bytes';
import { appendedLeavesProven } from './appended';
import { leafHash } from './merkle';
import { MerkleTree } from './merkle-tree';

const MAX = 33;
const leaves = Array.from({ length: MAX }, (_, i) => leafHash(utf8(`leaf ${i}`)));
const tree = new MerkleTree();
for (const leaf of leaves) tree.append(leaf);

describe('appendedLeavesProven', () => {
  it('holds for exactly the appended leaves, for every pair of sizes', () => {
    for (let m = 0; m <= MAX; m++) {
      for (let n = m; n <= MAX; n++) {
        const proof = m === 0 || m === n ? [] : tree.consistencyProof(m, n);
        const appended = leaves.slice(m, n);
        const ok = appendedLeavesProven(m, n, proof, tree.root(m), tree.root(n), appended);
        expect(ok, `${m} → ${n}`).toBe(true);
        if (n === m) continue;
        const changed = appended.map((l, i) => (i === appended.length - 1 ? leafHash(utf8('another')) : l));
        expect(appendedLeavesProven(m, n, proof, tree.root(m), tree.root(n), changed), `${m} → ${n} changed`).toBe(false);
        expect(appendedLeavesProven(m, n, proof, tree.root(m), tree.root(n), appended.slice(1)), `${m} → ${n} one left out`).toBe(false);
        expect(appendedLeavesProven(m, n, proof, tree.root(m), tree.root(n), [...appended, leafHash(utf8('extra'))]), `${m} → ${n} one added`).toBe(false);
      }
    }
  });

  it('refuses a proof that does not verify, and leaves swapped in order', () => {
    const proof = tree.consistencyProof(5, 12);
    expect(appendedLeavesProven(5, 12, proof, tree.root(6), tree.root(12), leaves.slice(5, 12))).toBe(false);
    const appended = leaves.slice(5, 12);
    const swapped = [appended[1], appended[0], ...appended.slice(2)] as Uint8Array[];
    expect(appendedLeavesProven(5, 12, proof, tree.root(5), tree.root(12), swapped)).toBe(false);
  });
});
