/**
 * The transparency log's REST answers (docs/design.md §3.5): its key, the root's
 * certificate of that key and the current head; consistency proofs from an earlier size;
 * pages of entries for monitors; inclusion proofs for the certificates of a bundle; and the
 * operator's upload of the log certificate. Everything the log says is signed or provable:
 * agents and monitors verify it, the server only computes it.
 */
import { bytesEqual, toHex } from '@yhteispoyta/crypto/bytes';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { CertificateLogProof, LogConsistencyResponse, LogEntriesResponse, LogResponse } from '@yhteispoyta/crypto/protocol';
import { verifyLogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import type { LogCertificate } from '@yhteispoyta/crypto/transparency/log-certificate';
import { certificateLeafHash } from '@yhteispoyta/crypto/transparency/tree-head';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import type { Needs } from '../context';
import type { CertificateRecord } from '../store/port';
import { transparencyLog } from '../transparency/log';
import { recordAudit } from './audit';
import { requireRootKey } from './root';

/** What the log services read: the certificate part (with its log), the configured key, the clock. */
type LogNeeds = Needs<'certificates', 'config' | 'now'>;

/** `GET /v1/log`: the log key, the root's certificate of it (null until uploaded), the current head. */
export async function getLog(ctx: LogNeeds): Promise<LogResponse> {
  const log = transparencyLog(ctx);
  const { head } = await log.current(ctx.now());
  return { logKey: log.publicKey, certificate: await ctx.store.certificates.log.getLogCertificate(log.publicKey), head };
}

/** `GET /v1/log/consistency?from=m`: the current head and the proof that its first m leaves are the tree of size m. */
export async function logConsistency(ctx: LogNeeds, from: number): Promise<LogConsistencyResponse> {
  const { head, tree } = await transparencyLog(ctx).current(ctx.now());
  if (from > head.treeSize) throw new ProtocolError('beyond_log_size', `the log holds ${head.treeSize} entries, fewer than ${from}`);
  const proof = from === 0 || from === head.treeSize ? [] : tree.consistencyProof(from, head.treeSize);
  return { head, proof: proof.map(toHex) };
}

/** `GET /v1/log/entries`: the certificates of leaves start … start + count − 1 that the current head covers. */
export async function logEntries(ctx: LogNeeds, start: number, count: number): Promise<LogEntriesResponse> {
  const { head } = await transparencyLog(ctx).current(ctx.now());
  const end = Math.min(head.treeSize, start + count);
  if (start >= end) return { head, entries: [] };
  const entries = await ctx.store.certificates.log.entries(start, end - start);
  if (entries.length !== end - start || entries.some((e, i) => e.index !== start + i)) throw new Error(`the store's log misses entries of ${start}…${end - 1}`);
  return { head, entries };
}

/**
 * The certificates of a bundle that are in the log, each with its inclusion proof against
 * one current head. A certificate without a leaf yet (mongo: its store is still under way,
 * or crashed before the leaf) is left out and logged: an agent would refuse it anyway.
 */
export async function withInclusionProofs(
  ctx: LogNeeds & Needs<never, 'log'>,
  records: readonly CertificateRecord[],
): Promise<{ certificates: Certificate[]; log: CertificateLogProof }> {
  // The head is taken after the records were read, so it covers every leaf written with them.
  const { head, tree } = await transparencyLog(ctx).current(ctx.now());
  const indexes = await ctx.store.certificates.log.leafIndexes(records.map((r) => r.id));
  const certificates: Certificate[] = [];
  const inclusions: CertificateLogProof['inclusions'] = [];
  for (const record of records) {
    const index = indexes.get(record.id);
    if (index === undefined || index >= head.treeSize || !bytesEqual(tree.leaf(index), certificateLeafHash(record.certificate))) continue;
    certificates.push(record.certificate);
    inclusions.push({ id: record.id, leafIndex: index, path: tree.inclusionProof(index, head.treeSize).map(toHex) });
  }
  if (certificates.length < records.length) ctx.log.warn({ unlogged: records.length - certificates.length }, 'certificates without a leaf in the log left out of a bundle');
  return { certificates, log: { head, inclusions } };
}

/**
 * `PUT /v1/admin/log/certificate`: keep the root's certificate of this server's log key.
 * Refused unless the registered root signed it (`bad_signature`), it holds now (`expired`)
 * and it names this server's key (`conflict`); 409 too while no root is registered.
 */
export async function putLogCertificate(ctx: LogNeeds & Needs<'audit'>, certificate: LogCertificate): Promise<Record<string, never>> {
  const root = await requireRootKey(ctx);
  const checked = verifyLogCertificate(root, certificate, ctx.now());
  if (!checked.ok) {
    const code = checked.code === 'untrusted' ? 'bad_signature' : checked.code === 'expired' ? 'expired' : 'bad_request';
    throw new ProtocolError(code, checked.detail);
  }
  const log = transparencyLog(ctx);
  if (checked.certificate.body.logKey !== log.publicKey) throw new ProtocolError('conflict', "the certificate names another key than this server's log key");
  await ctx.store.certificates.log.putLogCertificate(checked.certificate, ctx.now());
  await recordAudit(ctx, { actor: null, action: 'admin_log_certificate', detail: { fingerprint: log.fingerprint, notAfter: String(checked.certificate.body.notAfter) } });
  return {};
}
