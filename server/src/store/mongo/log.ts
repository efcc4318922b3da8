/**
 * mongo: the transparency log's leaves and the log key's certificate, without
 * multi-document transactions.
 *
 * A leaf's _id is its index. The next leaf is the highest stored index + 1, inserted under
 * the unique _id: two writers that read the same highest index collide, exactly one lands
 * and the other reads again and retries (the audit chain's rule; within one process
 * appends are queued as well). This is an insert under a unique index, so it is atomic on
 * MongoDB and on FerretDB v1 alike. An atomic counter ($inc through findOneAndUpdate) was
 * not used: a counter value taken by a writer that then dies is a hole in the numbering
 * that no later leaf may fill, and every leaf after it could never be proven; it would also
 * not be atomic between connections on FerretDB. A unique certificateId keeps a certificate
 * to one leaf, so two processes appending the same certificate agree.
 *
 * The certificate is inserted before its leaf: a crash between the two leaves a stored
 * certificate without a leaf, which the server appends at its next start
 * (appendUnlogged) and which the server never hands out meanwhile (a bundle carries only
 * certificates with an inclusion proof).
 */
import { SerialQueue } from '@yhteispoyta/common/queue';
import { canonicalJson } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { logCertificateJson, logCertificateSchema } from '@yhteispoyta/crypto/transparency/log-certificate';
import { certificateLeafHash } from '@yhteispoyta/crypto/transparency/tree-head';
import type { CertificateLogStore } from '../port';
import { parseStoredJson, readCertificate, StoredValueError } from '../record-schemas';
import type { MongoModels } from './models';
import { asBuffer, isDuplicateKey, storedBytes } from './values';

const MAX_ATTEMPTS = 50;

/** Appends a certificate's leaf unless it has one (safe to call again, from any process). */
export type LeafAppender = (certificateId: string, leafHash: Bytes) => Promise<void>;

/** The leaf appender of one store (its own queue: appends of this process never race each other). */
export function mongoLeafAppender(m: MongoModels): LeafAppender {
  const lock = new SerialQueue();
  return (certificateId, leafHash) =>
    lock.run(async () => {
      for (let attempt = 1; ; attempt += 1) {
        if ((await m.logLeaves.exists({ certificateId })) !== null) return;
        const last = await m.logLeaves.findOne().sort({ _id: -1 }).lean();
        try {
          await m.logLeaves.create({ _id: last === null ? 0 : last._id + 1, certificateId, leafHash: asBuffer(leafHash) });
          return;
        } catch (error) {
          // Another process took this index, or logged this certificate: look again.
          if (!isDuplicateKey(error) || attempt >= MAX_ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
        }
      }
    });
}

/** Build the log part over the adapter's models. */
export function mongoCertificateLog(m: MongoModels, appendLeaf: LeafAppender): CertificateLogStore {
  return {
    async size() {
      const last = await m.logLeaves.findOne().sort({ _id: -1 }).lean();
      return last === null ? 0 : last._id + 1;
    },
    async leafHashes(start, end) {
      const docs = await m.logLeaves.find({ _id: { $gte: start, $lt: end } }).sort({ _id: 1 }).lean();
      return docs.map((d) => storedBytes(d.leafHash));
    },
    async entries(start, count) {
      const leaves = await m.logLeaves.find({ _id: { $gte: start, $lt: start + count } }).sort({ _id: 1 }).lean();
      const docs = await m.certificates.find({ _id: { $in: leaves.map((l) => l.certificateId) } }).lean();
      const byId = new Map(docs.map((d) => [d._id, d.json]));
      return leaves.map((leaf) => {
        const json = byId.get(leaf.certificateId);
        if (json === undefined) throw new StoredValueError(`log leaf ${leaf._id} names a certificate that is not stored`);
        return { index: leaf._id, certificate: readCertificate(parseStoredJson(json, 'certificate'), undefined, leaf.certificateId) };
      });
    },
    async leafIndexes(certificateIds) {
      if (certificateIds.length === 0) return new Map();
      const docs = await m.logLeaves.find({ certificateId: { $in: [...certificateIds] } }).lean();
      return new Map(docs.map((d) => [d.certificateId, d._id]));
    },
    async appendUnlogged() {
      // Every leaf names a distinct stored certificate: equal counts mean nothing is missing.
      if ((await m.certificates.countDocuments()) === (await m.logLeaves.countDocuments())) return 0;
      const logged = new Set((await m.logLeaves.find({}, { certificateId: 1 }).lean()).map((d) => d.certificateId));
      let appended = 0;
      for await (const doc of m.certificates.find({}, { json: 1 }).sort({ storedAt: 1, _id: 1 }).lean().cursor()) {
        if (logged.has(doc._id)) continue;
        await appendLeaf(doc._id, certificateLeafHash(readCertificate(parseStoredJson(doc.json, 'certificate'), undefined, doc._id)));
        appended += 1;
      }
      return appended;
    },
    async getLogCertificate(logKey) {
      const doc = await m.logCertificates.findById(logKey).lean();
      if (doc === null) return null;
      const parsed = logCertificateSchema.safeParse(parseStoredJson(doc.json, 'log certificate'));
      if (!parsed.success || parsed.data.body.logKey !== logKey) throw new StoredValueError('stored log certificate does not parse or names another key');
      return parsed.data;
    },
    async putLogCertificate(certificate, storedAt) {
      // A replacement by _id: two uploads racing leave one of them (on FerretDB, whichever
      // wrote last); both were checked, so either is a valid certificate of this key.
      const json = canonicalJson(logCertificateJson(certificate));
      try {
        await m.logCertificates.replaceOne({ _id: certificate.body.logKey }, { json, storedAt }, { upsert: true });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        await m.logCertificates.replaceOne({ _id: certificate.body.logKey }, { json, storedAt });
      }
    },
  };
}
