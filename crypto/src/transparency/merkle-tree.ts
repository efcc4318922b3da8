/**
 * An append-only Merkle tree in memory, for whoever answers many proofs over a large log
 * (the log server) or recomputes a whole log (an organisation's monitor). It gives the same
 * roots and proofs as merkle.ts's reference functions (RFC 9162 §2.1), but keeps the hash
 * of every complete, aligned subtree as leaves arrive: the root of any prefix and any
 * inclusion or consistency proof then cost O(log² n) hashes instead of rehashing O(n)
 * leaves. Hashes are kept in one growing buffer per level, 32 bytes a slot.
 */
import { toBytes } from '../bytes';
import type { Bytes } from '../bytes';
import { EMPTY_ROOT, HASH_BYTES, nodeHash } from './merkle';

/** One level of the tree: hash i covers leaves [i·2^level, (i+1)·2^level). */
class Level {
  #buffer = new Uint8Array(HASH_BYTES * 64);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  push(hash: Uint8Array): void {
    if ((this.#count + 1) * HASH_BYTES > this.#buffer.byteLength) {
      const grown = new Uint8Array(this.#buffer.byteLength * 2);
      grown.set(this.#buffer);
      this.#buffer = grown;
    }
    this.#buffer.set(hash, this.#count * HASH_BYTES);
    this.#count += 1;
  }

  /** A view of hash `i` (valid until the next push; callers hash it at once or copy it). */
  at(i: number): Uint8Array {
    return this.#buffer.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
  }
}

/** The largest power of two smaller than n (n > 1), as merkle.ts splits. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** An append-only Merkle tree over leaf hashes. */
export class MerkleTree {
  readonly #levels: Level[] = [new Level()];

  /** How many leaves the tree holds. */
  get size(): number {
    return this.#leaves().count;
  }

  /** Append one leaf hash (32 bytes), completing every subtree it closes. */
  append(leaf: Uint8Array): void {
    if (!(leaf instanceof Uint8Array) || leaf.byteLength !== HASH_BYTES) throw new RangeError('a leaf hash is 32 bytes');
    let level = 0;
    let index = this.size;
    this.#leaves().push(leaf);
    // A right child closes its parent: hash the pair into the level above, and carry on up.
    while (index % 2 === 1) {
      const below = this.#levels[level] as Level;
      const parent = nodeHash(below.at(index - 1), below.at(index));
      level += 1;
      if (this.#levels.length === level) this.#levels.push(new Level());
      (this.#levels[level] as Level).push(parent);
      index = (index - 1) / 2;
    }
  }

  /** The hash of leaf `index`. */
  leaf(index: number): Bytes {
    this.#check(index, 0, this.size - 1);
    return toBytes(this.#leaves().at(index));
  }

  /** MTH of the first `treeSize` leaves. */
  root(treeSize = this.size): Bytes {
    this.#check(treeSize, 0, this.size);
    return this.#mth(0, treeSize);
  }

  /** PATH(index, D[treeSize]): the inclusion proof of leaf `index` in the tree of the first `treeSize` leaves. */
  inclusionProof(index: number, treeSize = this.size): Bytes[] {
    this.#check(treeSize, 1, this.size);
    this.#check(index, 0, treeSize - 1);
    return this.#path(index, 0, treeSize);
  }

  /** PROOF(size1, D[treeSize]): the consistency proof from the first `size1` leaves to the first `treeSize`. */
  consistencyProof(size1: number, treeSize = this.size): Bytes[] {
    this.#check(treeSize, 1, this.size);
    this.#check(size1, 1, treeSize);
    return this.#subproof(size1, 0, treeSize, true);
  }

  #leaves(): Level {
    return this.#levels[0] as Level;
  }

  #check(value: number, min: number, max: number): void {
    if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`${value} is outside ${min}…${max} (tree of ${this.size})`);
  }

  /** MTH of leaves [start, start + n): a stored hash when the range is a complete aligned subtree. */
  #mth(start: number, n: number): Bytes {
    if (n === 0) return EMPTY_ROOT;
    if (isPowerOfTwo(n) && start % n === 0) {
      const level = Math.log2(n);
      return toBytes((this.#levels[level] as Level).at(start / n));
    }
    const k = splitPoint(n);
    return nodeHash(this.#mth(start, k), this.#mth(start + k, n - k));
  }

  #path(m: number, start: number, n: number): Bytes[] {
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...this.#path(m, start, k), this.#mth(start + k, n - k)]
      : [...this.#path(m - k, start + k, n - k), this.#mth(start, k)];
  }

  #subproof(m: number, start: number, n: number, complete: boolean): Bytes[] {
    if (m === n) return complete ? [] : [this.#mth(start, n)];
    const k = splitPoint(n);
    return m <= k
      ? [...this.#subproof(m, start, k, complete), this.#mth(start + k, n - k)]
      : [...this.#subproof(m - k, start + k, n - k, false), this.#mth(start, k)];
  }
}
