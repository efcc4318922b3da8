import { describe, expect, it } from 'vitest';
import { utf8 } from '../bytes';
import { consistencyProof, EMPTY_ROOT, inclusionProof, leafHash, rootOf, verifyConsistency, verifyInclusion } from './merkle';
import { MerkleTree } from './merkle-tree';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(utf8(`leaf ${i}`)));
const hex = (hashes: readonly Uint8Array[]) => hashes.map((h) => Buffer.from(h).toString('hex'));

function treeOf(hashes: readonly Uint8Array[]): MerkleTree {
  const tree = new MerkleTree();
  for (const h of hashes) tree.append(h);
  return tree;
}

describe('the in-memory Merkle tree', () => {
  it('gives the reference roots and proofs for every prefix of every tree up to 40 leaves', () => {
    const all = leaves(40);
    const tree = treeOf(all);
    expect(tree.size).toBe(40);
    expect(tree.root(0)).toEqual(EMPTY_ROOT);
    for (let n = 1; n <= 40; n += 1) {
      const prefix = all.slice(0, n);
      expect(hex([tree.root(n)])).toEqual(hex([rootOf(prefix)]));
      for (let m = 0; m < n; m += 1) expect(hex(tree.inclusionProof(m, n))).toEqual(hex(inclusionProof(m, prefix)));
      for (let m = 1; m <= n; m += 1) expect(hex(tree.consistencyProof(m, n))).toEqual(hex(consistencyProof(m, prefix)));
    }
  });

  it('answers as it grows, one leaf at a time', () => {
    const all = leaves(70);
    const tree = new MerkleTree();
    for (const [i, h] of all.entries()) {
      tree.append(h);
      expect(hex([tree.root()])).toEqual(hex([rootOf(all.slice(0, i + 1))]));
      expect(hex([tree.leaf(i)])).toEqual(hex([h]));
    }
  });

  it('proofs of a large tree verify with the reference verifiers', () => {
    const all = leaves(10_000);
    const tree = treeOf(all);
    const root = tree.root();
    for (const m of [0, 1, 4095, 4096, 8191, 9_999]) expect(verifyInclusion(all[m], m, 10_000, tree.inclusionProof(m), root)).toBe(true);
    for (const m of [1, 2, 3, 1000, 4096, 8192, 9_999]) expect(verifyConsistency(m, 10_000, tree.consistencyProof(m), tree.root(m), root)).toBe(true);
    expect(verifyConsistency(1000, 10_000, tree.consistencyProof(1000), tree.root(999), root)).toBe(false);
  });

  it('refuses what lies outside the tree', () => {
    const tree = treeOf(leaves(5));
    expect(() => tree.root(6)).toThrow(RangeError);
    expect(() => tree.inclusionProof(5, 5)).toThrow(RangeError);
    expect(() => tree.inclusionProof(0, 6)).toThrow(RangeError);
    expect(() => tree.consistencyProof(0, 5)).toThrow(RangeError);
    expect(() => tree.consistencyProof(6, 5)).toThrow(RangeError);
    expect(() => tree.leaf(5)).toThrow(RangeError);
    expect(() => tree.append(new Uint8Array(31))).toThrow(RangeError);
  });
});
