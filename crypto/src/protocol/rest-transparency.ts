/**
 * REST bodies of the transparency log (docs/design.md §3.5): the log's key, its root-signed
 * certificate and signed head; consistency proofs between heads; the entries in log order
 * for monitors; the inclusion proofs that come with every certificate bundle; and the
 * operator's upload of the log certificate. Hashes and proof nodes are lower-case hex.
 * The server computes; agents and monitors verify with crypto/src/transparency/.
 */
import { z } from 'zod';
import { MAX_BUNDLE_CERTIFICATES } from '../certificates/person';
import { certificateSchema } from '../certificates/schema';
import { logCertificateSchema, logKeyFieldSchema } from '../transparency/log-certificate';
import { signedTreeHeadSchema } from '../transparency/tree-head';
import { queryIntSchema, sha256HexSchema } from './fields';

/** Most entries one `GET /v1/log/entries` page returns (and the default `count`). */
export const MAX_LOG_ENTRIES_PAGE = 1000;
/** Longest inclusion proof: one hash per level of a tree of up to 2^64 leaves. */
const MAX_INCLUSION_PROOF = 64;
/** Longest consistency proof (what crypto's verifyConsistency accepts). */
const MAX_CONSISTENCY_PROOF = 128;
const logIndexSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** `GET /v1/log` response: the log's public key, the root's certificate of it (null until the operator uploads one), the current head. */
export const logResponseSchema = z.strictObject({
  logKey: logKeyFieldSchema,
  certificate: logCertificateSchema.nullable(),
  head: signedTreeHeadSchema,
});
/** `GET /v1/log` response. */
export type LogResponse = z.infer<typeof logResponseSchema>;

/** `GET /v1/log/consistency?from=m`: m is the size of a head the caller holds. */
export const logConsistencyQuerySchema = z.strictObject({ from: queryIntSchema(0, Number.MAX_SAFE_INTEGER) });
/**
 * `GET /v1/log/consistency` response: the current head and the proof that the first `from`
 * leaves are a prefix of it (empty when `from` is 0 or the head's size). `from` beyond the
 * head's size is refused with `beyond_log_size`.
 */
export const logConsistencyResponseSchema = z.strictObject({
  head: signedTreeHeadSchema,
  proof: z.array(sha256HexSchema).max(MAX_CONSISTENCY_PROOF),
});
/** `GET /v1/log/consistency` response. */
export type LogConsistencyResponse = z.infer<typeof logConsistencyResponseSchema>;

/** `GET /v1/log/entries?start=&count=`: a page of the log from leaf `start`. */
export const logEntriesQuerySchema = z.strictObject({
  start: queryIntSchema(0, Number.MAX_SAFE_INTEGER),
  count: queryIntSchema(1, MAX_LOG_ENTRIES_PAGE).default(MAX_LOG_ENTRIES_PAGE),
});
/**
 * `GET /v1/log/entries` response: the current head and the certificates at leaves
 * `start` … min(start + count, head.treeSize) − 1, in log order (empty past the head).
 */
export const logEntriesResponseSchema = z.strictObject({
  head: signedTreeHeadSchema,
  entries: z.array(z.strictObject({ index: logIndexSchema, certificate: certificateSchema })).max(MAX_LOG_ENTRIES_PAGE),
});
/** `GET /v1/log/entries` response. */
export type LogEntriesResponse = z.infer<typeof logEntriesResponseSchema>;

/** The inclusion proof of one certificate (by its id, the hex SHA-256 of its canonical JSON). */
const logInclusionSchema = z.strictObject({
  id: sha256HexSchema,
  leafIndex: logIndexSchema,
  path: z.array(sha256HexSchema).max(MAX_INCLUSION_PROOF),
});
/**
 * What a certificate bundle carries of the log: one head, and for every certificate in the
 * bundle its inclusion proof against that head.
 */
export const certificateLogProofSchema = z.strictObject({
  head: signedTreeHeadSchema,
  inclusions: z.array(logInclusionSchema).max(MAX_BUNDLE_CERTIFICATES),
});
/** The log part of a certificate bundle. */
export type CertificateLogProof = z.infer<typeof certificateLogProofSchema>;

/**
 * `PUT /v1/admin/log/certificate` body: the log certificate the deployment root signed for
 * this server's log key (the server checks both before storing it).
 */
export const putLogCertificateRequestSchema = z.strictObject({ certificate: logCertificateSchema });
