/**
 * Bringing signed tree heads of one log under a single newer head: for each head the
 * server is asked for its current head and the consistency proof from that head's size
 * (`GET /v1/log/consistency?from=`), and the proof is checked (RFC 9162 §2.1.4.2) — so
 * every head given is a prefix of the head this ends with, and therefore of each other.
 * Two different heads of the same size, a proof that does not verify, or a server that
 * no longer holds as many entries as a head it signed, are an inconsistency. While the log
 * grows between the requests, another round is needed; a log that keeps growing past a
 * few rounds is `unsettled` (checked again at the next occasion, not reported).
 */
import { fromHex } from '@yhteispoyta/crypto/bytes';
import { verifyConsistency } from '@yhteispoyta/crypto/transparency/merkle';
import { headRoot } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';

/** Rounds of requests before giving up on a log that keeps growing. */
const MAX_ROUNDS = 4;

/** What the server answers for `from`: its current head (verified by the caller) and the proof, or that it holds fewer entries. */
export type ConsistencyAnswer =
  | { readonly ok: true; readonly head: SignedTreeHead; readonly proof: readonly string[] }
  | { readonly ok: false; readonly detail: string };

/** The result of {@link reconcileHeads}. */
export type Reconciled =
  | { readonly ok: true; readonly newest: SignedTreeHead; readonly requests: number }
  | { readonly ok: false; readonly code: 'inconsistent' | 'unsettled'; readonly detail: string };

const same = (a: SignedTreeHead, b: SignedTreeHead): boolean => a.treeSize === b.treeSize && a.rootHash === b.rootHash;

function distinct(heads: readonly SignedTreeHead[]): SignedTreeHead[] {
  const out: SignedTreeHead[] = [];
  for (const head of [...heads].sort((a, b) => a.treeSize - b.treeSize)) if (!out.some((h) => same(h, head))) out.push(head);
  return out;
}

/** The first pair of different heads of the same size, described. */
function fork(heads: readonly SignedTreeHead[]): string | undefined {
  for (let i = 1; i < heads.length; i++) {
    const a = heads[i - 1] as SignedTreeHead;
    const b = heads[i] as SignedTreeHead;
    if (a.treeSize === b.treeSize) return `two different heads of size ${a.treeSize} (roots ${a.rootHash.slice(0, 12)}… and ${b.rootHash.slice(0, 12)}…)`;
  }
  return undefined;
}

/** Prove every head in `heads` a prefix of one head of the log, asking `consistency(from)` for proofs. */
export async function reconcileHeads(heads: readonly SignedTreeHead[], consistency: (from: number) => Promise<ConsistencyAnswer>): Promise<Reconciled> {
  let pending = distinct(heads);
  let requests = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const forked = fork(pending);
    if (forked !== undefined) return { ok: false, code: 'inconsistent', detail: forked };
    const [only] = pending;
    if (pending.length === 1 && only !== undefined) return { ok: true, newest: only, requests };
    if (only === undefined) return { ok: false, code: 'unsettled', detail: 'no head to reconcile' };
    const extended: SignedTreeHead[] = [];
    for (const head of pending) {
      // A head an earlier answer of this round extends to is its own extension.
      if (extended.some((h) => same(h, head))) continue;
      requests++;
      const answer = await consistency(head.treeSize);
      if (!answer.ok) return { ok: false, code: 'inconsistent', detail: answer.detail };
      const proof = answer.proof.map((hash) => fromHex(hash));
      if (!verifyConsistency(head.treeSize, answer.head.treeSize, proof, headRoot(head), headRoot(answer.head))) {
        return {
          ok: false, code: 'inconsistent',
          detail: `the log's head of size ${answer.head.treeSize} does not extend the head of size ${head.treeSize} (the consistency proof fails)`,
        };
      }
      extended.push(answer.head);
    }
    pending = distinct(extended);
  }
  return { ok: false, code: 'unsettled', detail: `the log kept growing over ${MAX_ROUNDS} rounds` };
}
