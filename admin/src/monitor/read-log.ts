/**
 * Reading a whole transparency log and believing none of it unchecked: the log key must be
 * certified by the organisation's deployment root, the head signed by that key, the entries
 * (read page by page) must hash to the head's root, and a head verified on an earlier run
 * must be the root of the same first entries — else the log was rewritten. A log that does
 * not verify is a typed result, never a throw; only failing to reach the server throws.
 */
import { fromBase64, toHex } from '@yhteispoyta/crypto/bytes';
import { MAX_LOG_ENTRIES_PAGE } from '@yhteispoyta/crypto/protocol';
import { verifyLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { logKeyFingerprint } from '@yhteispoyta/crypto/transparency/log-key';
import { MerkleTree } from '@yhteispoyta/crypto/transparency/merkle-tree';
import { certificateLeafHash, verifyTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { LogClient } from '../log-client';
import type { IndexedCertificate } from './findings';

/** Why a log does not verify. */
export type LogProblem =
  /** no certificate of the log key by this root, or one that does not hold now */
  | 'uncertified_log'
  /** the head is not signed by the certified key */
  | 'bad_head'
  /** the server did not hand out every entry the head covers */
  | 'missing_entries'
  /** the entries do not hash to the head's root */
  | 'root_mismatch'
  /** the log no longer holds the entries of a head verified before */
  | 'rewritten';

/** What the monitor reads the log through (the log client, or a test's hostile server). */
export type LogReader = Pick<LogClient, 'getLog' | 'entries'>;

/** A head verified on an earlier run. */
export interface RememberedHead {
  readonly treeSize: number;
  readonly rootHash: string;
  readonly timestamp: number;
}

/** A log that verified. */
export interface VerifiedLog {
  readonly ok: true;
  readonly head: SignedTreeHead;
  readonly logKeyFingerprint: string;
  /** when the root's certificate of the log key ends */
  readonly certifiedUntil: number;
  readonly entries: readonly IndexedCertificate[];
}

/** The result of {@link readVerifiedLog}. */
export type ReadLogResult = VerifiedLog | { readonly ok: false; readonly code: LogProblem; readonly detail: string };

/** Read and verify the whole log of `client` under the root `rootKey` (base64) at `now`, against `previous` if any. */
export async function readVerifiedLog(client: LogReader, rootKey: string, now: number, previous?: RememberedHead): Promise<ReadLogResult> {
  const { logKey, certificate, head: claimed } = await client.getLog();
  const certified = certificate === null ? undefined : verifyLogCertificate(fromBase64(rootKey) ?? new Uint8Array(), certificate, now);
  if (certified === undefined || !certified.ok || certified.certificate.body.logKey !== logKey) {
    const why = certified === undefined ? 'the server holds no certificate of its log key' : certified.ok ? 'the certificate names another key' : certified.detail;
    return { ok: false, code: 'uncertified_log', detail: `the log key is not certified by this organisation's deployment root: ${why}` };
  }
  const head = verifyTreeHead(claimed, logKey);
  if (head === undefined) return { ok: false, code: 'bad_head', detail: 'the log head is not signed by the certified log key' };

  const tree = new MerkleTree();
  const entries: IndexedCertificate[] = [];
  while (entries.length < head.treeSize) {
    const start = entries.length;
    const page = await client.entries(start, Math.min(MAX_LOG_ENTRIES_PAGE, head.treeSize - start));
    if (page.entries.length === 0 || page.entries.some((e, i) => e.index !== start + i)) {
      return { ok: false, code: 'missing_entries', detail: `the server did not hand out the entries from ${start} of the ${head.treeSize} its head covers` };
    }
    for (const entry of page.entries.slice(0, head.treeSize - start)) {
      tree.append(certificateLeafHash(entry.certificate));
      entries.push(entry);
    }
  }
  if (toHex(tree.root()) !== head.rootHash) {
    return { ok: false, code: 'root_mismatch', detail: `the ${head.treeSize} entries the server handed out do not hash to the root its head signs` };
  }
  if (previous !== undefined) {
    const then = new Date(previous.timestamp).toISOString();
    if (previous.treeSize > head.treeSize) {
      return { ok: false, code: 'rewritten', detail: `the log holds ${head.treeSize} entries, fewer than the ${previous.treeSize} of the head verified before (signed ${then})` };
    }
    if (toHex(tree.root(previous.treeSize)) !== previous.rootHash) {
      return { ok: false, code: 'rewritten', detail: `the first ${previous.treeSize} entries are no longer those of the head verified before (signed ${then}): the log was rewritten` };
    }
  }
  return { ok: true, head, logKeyFingerprint: logKeyFingerprint(certified.logKey), certifiedUntil: certified.certificate.body.notAfter, entries };
}
