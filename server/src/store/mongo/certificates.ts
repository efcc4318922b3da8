/**
 * mongo: the deployment root and stored certificates. Both rest on inserts under a unique
 * _id, atomic on MongoDB and on FerretDB v1 alike: the root's _id is fixed ('root'), so
 * only the first set inserts and every later one compares against it; a certificate's _id
 * is its id, so storing it again is a duplicate key that changes nothing. Its leaf in the
 * transparency log is appended right after it (see log.ts for why that is safe without a
 * transaction).
 */
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import { certificateColumns } from '../certificate-columns';
import type { CertificateRecord, CertificateStore, RootRecord } from '../port';
import { parseStoredJson, readCertificate, readCertificateType } from '../record-schemas';
import type { CertificateDoc, MongoModels } from './models';
import { asBuffer, isDuplicateKey, storedBytes } from './values';
import { mongoCertificateLog, mongoLeafAppender } from './log';

const ROOT_ID = 'root';

function toCertificate(d: CertificateDoc): CertificateRecord {
  return {
    id: d._id,
    type: readCertificateType(d.type),
    ...(typeof d.userId === 'string' ? { userId: d.userId } : {}),
    ...(typeof d.orgId === 'string' ? { orgId: d.orgId } : {}),
    ...(typeof d.deviceId === 'number' ? { deviceId: d.deviceId } : {}),
    certificate: readCertificate(parseStoredJson(d.json, 'certificate'), undefined, d._id),
    storedAt: d.storedAt,
  };
}

/** Build the root and certificate methods over the adapter's models. */
export function mongoCertificates(m: MongoModels): CertificateStore {
  const root = async (): Promise<RootRecord | null> => {
    const d = await m.roots.findById(ROOT_ID).lean();
    return d ? { key: storedBytes(d.key), setAt: d.setAt } : null;
  };
  const appendLeaf = mongoLeafAppender(m);
  return {
    log: mongoCertificateLog(m, appendLeaf),
    async getRoot() {
      return root();
    },
    async setRoot(record) {
      try {
        await m.roots.create({ _id: ROOT_ID, key: asBuffer(record.key), setAt: record.setAt });
        return { ok: true };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const current = await root();
      if (current === null) throw new Error('deployment root missing after a duplicate-key insert');
      return bytesEqual(current.key, record.key) ? { ok: true } : { ok: false, code: 'conflict', current };
    },
    async putCertificate(certificate, storedAt) {
      const c = certificateColumns(certificate);
      let created = true;
      try {
        await m.certificates.create({
          _id: c.id, type: c.type, json: c.json, storedAt,
          ...(c.userId === undefined ? {} : { userId: c.userId }),
          ...(c.orgId === undefined ? {} : { orgId: c.orgId }),
          ...(c.deviceId === undefined ? {} : { deviceId: c.deviceId }),
        });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        created = false;
      }
      // Also when it was stored before: a store that crashed before its leaf is completed here.
      await appendLeaf(c.id, c.leafHash);
      return { ok: true, id: c.id, created };
    },
    async listCertificatesOfUsers(userIds, limit) {
      if (userIds.length === 0) return [];
      const docs = await m.certificates.find({ userId: { $in: [...userIds] } }).sort({ storedAt: 1, _id: 1 }).limit(limit).lean();
      return docs.map(toCertificate);
    },
    async listCertificatesOfOrgs(orgIds, type, limit) {
      if (orgIds.length === 0) return [];
      const docs = await m.certificates.find({ type, orgId: { $in: [...orgIds] } }).sort({ storedAt: 1, _id: 1 }).limit(limit).lean();
      return docs.map(toCertificate);
    },
  };
}
