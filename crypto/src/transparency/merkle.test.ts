import { describe, expect, it } from 'vitest';
import { sha256, utf8 } from '../bytes';
import { EMPTY_ROOT, consistencyProof, inclusionProof, leafHash, nodeHash, rootOf, verifyConsistency, verifyInclusion } from './merkle';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(utf8(`leaf ${i}`)));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

// RFC 9162 §2.1.5's example tree of seven leaves d0..d6:
//             root
//          /        \
//         k          l
//        / \        / \
//       g   h      i   j
//      / \ / \    / \  |
//      a b c d    e f  d6
const d = leaves(7);
const [a, b, c, dd, e, f, j] = d as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
const g = nodeHash(a, b);
const h = nodeHash(c, dd);
const i = nodeHash(e, f);
const k = nodeHash(g, h);
const l = nodeHash(i, j);

describe('Merkle tree hashing', () => {
  it('separates leaves from nodes and hashes the empty tree as SHA-256 of nothing', () => {
    expect(hex(leafHash(new Uint8Array([1])))).toBe(hex(sha256(new Uint8Array([0, 1]))));
    expect(hex(nodeHash(new Uint8Array(32), new Uint8Array(32)))).toBe(hex(sha256(new Uint8Array([1]), new Uint8Array(64))));
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('computes the roots of small trees as the RFC splits them', () => {
    expect(hex(rootOf([a]))).toBe(hex(a));
    expect(hex(rootOf([a, b]))).toBe(hex(g));
    expect(hex(rootOf([a, b, c]))).toBe(hex(nodeHash(g, c)));
    expect(hex(rootOf([a, b, c, dd]))).toBe(hex(k));
    expect(hex(rootOf([a, b, c, dd, e]))).toBe(hex(nodeHash(k, e)));
    expect(hex(rootOf(d))).toBe(hex(nodeHash(k, l)));
  });
});

describe('inclusion proofs', () => {
  it('match the RFC example: the path of d0 is [b, h, l], of d6 is [i, k]', () => {
    expect(inclusionProof(0, d).map(hex)).toEqual([b, h, l].map(hex));
    expect(inclusionProof(6, d).map(hex)).toEqual([i, k].map(hex));
    expect(inclusionProof(3, d).map(hex)).toEqual([c, g, l].map(hex));
  });

  it('verify for every leaf of every tree up to 33 leaves', () => {
    for (let n = 1; n <= 33; n++) {
      const tree = leaves(n);
      const root = rootOf(tree);
      for (let m = 0; m < n; m++) expect(verifyInclusion(tree[m], m, n, inclusionProof(m, tree), root), `${m} of ${n}`).toBe(true);
    }
  });

  it('fail for a wrong leaf, index, size, root or any changed proof element', () => {
    const root = rootOf(d);
    const proof = inclusionProof(2, d);
    expect(verifyInclusion(c, 2, 7, proof, root)).toBe(true);
    expect(verifyInclusion(dd, 2, 7, proof, root)).toBe(false);
    expect(verifyInclusion(c, 3, 7, proof, root)).toBe(false);
    // The size only counts where it changes the path's shape (the signed tree head binds the size itself).
    expect(verifyInclusion(c, 2, 3, proof, root)).toBe(false);
    expect(verifyInclusion(c, 2, 4, proof, root)).toBe(false);
    expect(verifyInclusion(c, 2, 7, proof, rootOf(d.slice(0, 6)))).toBe(false);
    for (let x = 0; x < proof.length; x++) {
      const changed = proof.map((p, y) => (y === x ? Uint8Array.from(p, (v, z) => (z === 0 ? v ^ 1 : v)) : p));
      expect(verifyInclusion(c, 2, 7, changed, root)).toBe(false);
    }
    expect(verifyInclusion(c, 2, 7, proof.slice(1), root)).toBe(false);
    expect(verifyInclusion(c, 2, 7, [...proof, l], root)).toBe(false);
  });

  it('never throw on hostile input', () => {
    const root = rootOf(d);
    for (const bad of [undefined, null, 'x', {}, [1, 2], [new Uint8Array(31)], new Array(100).fill(new Uint8Array(32))]) {
      expect(verifyInclusion(c, 2, 7, bad, root)).toBe(false);
    }
    expect(verifyInclusion(c, -1, 7, [], root)).toBe(false);
    expect(verifyInclusion(c, 7, 7, [], root)).toBe(false);
    expect(verifyInclusion(c, 2.5, 7, [], root)).toBe(false);
    expect(verifyInclusion('leaf', 0, 1, [], root)).toBe(false);
  });
});

describe('consistency proofs', () => {
  it('match the RFC example: 3→7 is [c, d, g, l], 4→7 is [l], 6→7 is [i, j, k]', () => {
    expect(consistencyProof(3, d).map(hex)).toEqual([c, dd, g, l].map(hex));
    expect(consistencyProof(4, d).map(hex)).toEqual([l].map(hex));
    expect(consistencyProof(6, d).map(hex)).toEqual([i, j, k].map(hex));
  });

  it('verify between every pair of sizes up to 33', () => {
    for (let n = 1; n <= 33; n++) {
      const tree = leaves(n);
      for (let m = 1; m <= n; m++) {
        expect(verifyConsistency(m, n, consistencyProof(m, tree), rootOf(tree.slice(0, m)), rootOf(tree)), `${m}→${n}`).toBe(true);
      }
    }
  });

  it('fail for a rewritten history, a wrong size or root, or a changed proof', () => {
    const rewritten = [...d.slice(0, 2), leafHash(utf8('other')), ...d.slice(3)];
    const proof = consistencyProof(3, d);
    expect(verifyConsistency(3, 7, proof, rootOf(d.slice(0, 3)), rootOf(rewritten))).toBe(false);
    expect(verifyConsistency(3, 7, consistencyProof(3, rewritten), rootOf(d.slice(0, 3)), rootOf(rewritten))).toBe(false);
    expect(verifyConsistency(4, 7, proof, rootOf(d.slice(0, 3)), rootOf(d))).toBe(false);
    expect(verifyConsistency(3, 4, proof, rootOf(d.slice(0, 3)), rootOf(d))).toBe(false);
    expect(verifyConsistency(3, 16, proof, rootOf(d.slice(0, 3)), rootOf(d))).toBe(false);
    for (let x = 0; x < proof.length; x++) {
      const changed = proof.map((p, y) => (y === x ? Uint8Array.from(p, (v, z) => (z === 31 ? v ^ 0x80 : v)) : p));
      expect(verifyConsistency(3, 7, changed, rootOf(d.slice(0, 3)), rootOf(d))).toBe(false);
    }
    expect(verifyConsistency(7, 3, [], rootOf(d), rootOf(d.slice(0, 3)))).toBe(false);
    expect(verifyConsistency(7, 7, [], rootOf(d), rootOf(d))).toBe(true);
    expect(verifyConsistency(7, 7, [l], rootOf(d), rootOf(d))).toBe(false);
    expect(verifyConsistency(3, 7, 'proof', rootOf(d.slice(0, 3)), rootOf(d))).toBe(false);
  });
});
