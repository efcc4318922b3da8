/**
 * Reconciling heads against a log that answers consistency proofs (crypto's MerkleTree, as
 * the server computes them): heads of one log end under one head; a log that grows between
 * the requests takes another round; one that keeps growing is `unsettled`; two heads of one
 * size, a proof that fails and a log that shrank are inconsistent.
 */
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '@yhteispoyta/crypto/bytes';
import { generateLogKey } from '@yhteispoyta/crypto/transparency/log-key';
import { leafHash } from '@yhteispoyta/crypto/transparency/merkle';
import { MerkleTree } from '@yhteispoyta/crypto/transparency/merkle-tree';
import { signTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import { reconcileHeads } from './consistency';
import type { ConsistencyAnswer } from './consistency';

const key = generateLogKey();

/** A log of `size` leaves named by `tag`. */
function log(size: number, tag = 'real'): MerkleTree {
  const tree = new MerkleTree();
  grow(tree, size, tag);
  return tree;
}

function grow(tree: MerkleTree, to: number, tag = 'real'): void {
  while (tree.size < to) tree.append(leafHash(utf8(`${tag} ${tree.size}`)));
}

const head = (tree: MerkleTree, size = tree.size): SignedTreeHead => signTreeHead({ treeSize: size, rootHash: toHex(tree.root(size)), timestamp: 1 }, key);

/** The server's answer from `tree` as it is when asked; `before` runs first (the log grows meanwhile). */
function server(tree: MerkleTree, before: () => void = () => undefined): { ask: (from: number) => Promise<ConsistencyAnswer>; asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    ask: async (from) => {
      asked.push(from);
      before();
      if (from > tree.size) return { ok: false, detail: 'beyond' };
      return { ok: true, head: head(tree), proof: from === 0 || from === tree.size ? [] : tree.consistencyProof(from).map(toHex) };
    },
  };
}

describe('reconcileHeads', () => {
  it('ends heads of one log under the newest, asking once when the newest is the current head', async () => {
    const tree = log(9);
    const s = server(tree);
    const result = await reconcileHeads([head(tree, 9), head(tree, 4), head(tree, 4)], s.ask);
    expect(result).toMatchObject({ ok: true, newest: { treeSize: 9 } });
    expect(s.asked).toEqual([4]);
    expect(await reconcileHeads([head(tree, 9)], s.ask)).toMatchObject({ ok: true, requests: 0 });
  });

  it('takes another round while the log grows between the requests; a log that keeps growing is unsettled', async () => {
    const tree = log(5);
    let growth = 0;
    const twice = server(tree, () => {
      if (growth++ < 2) grow(tree, tree.size + 3);
    });
    const result = await reconcileHeads([head(tree, 3), head(tree, 5)], twice.ask);
    expect(result).toMatchObject({ ok: true, newest: { treeSize: tree.size } });
    expect(twice.asked.length).toBeGreaterThan(2);

    const forever = server(tree, () => grow(tree, tree.size + 1));
    expect(await reconcileHeads([head(tree, 2), head(tree, 4)], forever.ask)).toMatchObject({ ok: false, code: 'unsettled' });
  });

  it('finds two heads of one size, a history rewritten, and a log that shrank inconsistent', async () => {
    const real = log(8);
    const other = log(8, 'other');
    const s = server(real);
    expect(await reconcileHeads([head(real, 8), head(other, 8)], s.ask)).toMatchObject({ ok: false, code: 'inconsistent' });
    expect(s.asked).toEqual([]);
    // A head of the other log, smaller: the real log's proof from its size does not lead to its root.
    expect(await reconcileHeads([head(real, 8), head(other, 5)], s.ask)).toMatchObject({ ok: false, code: 'inconsistent' });
    // The log no longer holds the entries of a head it signed.
    expect(await reconcileHeads([head(log(12), 12), head(real, 8)], server(real).ask)).toMatchObject({ ok: false, code: 'inconsistent' });
  });
});
