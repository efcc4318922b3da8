/**
 * sqlite: the transparency log's leaves and the log key's certificate. A leaf is written
 * inside the transaction that stores its certificate (see certificates.ts), as the row after
 * the highest one; BEGIN IMMEDIATE serialises writers across processes, so the numbering
 * never has a gap or a duplicate, and the unique certificate_id keeps a certificate to one
 * leaf.
 */
import { certificateLeafHash } from '@yhteispoyta/crypto/transparency/tree-head';
import { logCertificateJson, logCertificateSchema } from '@yhteispoyta/crypto/transparency/log-certificate';
import { canonicalJson } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { CertificateLogStore } from '../port';
import { parseStoredJson, readCertificate, StoredValueError } from '../record-schemas';
import type { SqliteDb } from './db';
import { colBytes, colInt, colStr } from './db';

/** Appends a certificate's leaf; call it only inside the transaction that stored the certificate. */
export type LeafAppender = (certificateId: string, leafHash: Bytes) => void;

/** The statement that appends a leaf, for the certificate part's transaction. */
export function sqliteLeafAppender({ db }: SqliteDb): LeafAppender {
  // A certificate already in the log (stored before, or appended by a start-up) is left alone.
  const insert = db.prepare(
    `INSERT INTO log_leaves (idx, certificate_id, leaf_hash)
     VALUES ((SELECT coalesce(max(idx) + 1, 0) FROM log_leaves), ?, ?) ON CONFLICT (certificate_id) DO NOTHING`,
  );
  return (certificateId, leafHash) => {
    insert.run([certificateId, leafHash]);
  };
}

/** Build the log part over an open database. */
export function sqliteCertificateLog(handle: SqliteDb): CertificateLogStore {
  const { db } = handle;
  const append = sqliteLeafAppender(handle);
  const selectSize = db.prepare('SELECT coalesce(max(idx) + 1, 0) AS n FROM log_leaves');
  const selectHashes = db.prepare('SELECT leaf_hash FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx');
  const selectEntries = db.prepare(
    `SELECT l.idx, c.id, c.json FROM log_leaves l JOIN certificates c ON c.id = l.certificate_id
     WHERE l.idx >= ? AND l.idx < ? ORDER BY l.idx`,
  );
  const selectIndexes = db.prepare('SELECT idx, certificate_id FROM log_leaves WHERE certificate_id IN (SELECT value FROM json_each(?))');
  // rowid is the order the certificates were inserted in.
  const selectUnlogged = db.prepare(
    'SELECT id, json FROM certificates WHERE id NOT IN (SELECT certificate_id FROM log_leaves) ORDER BY rowid',
  );
  const selectLogCertificate = db.prepare('SELECT json FROM log_certificates WHERE log_key = ?');
  const upsertLogCertificate = db.prepare(
    `INSERT INTO log_certificates (log_key, json, stored_at) VALUES (?, ?, ?)
     ON CONFLICT (log_key) DO UPDATE SET json = excluded.json, stored_at = excluded.stored_at`,
  );

  return {
    async size() {
      const row = selectSize.get();
      return row ? colInt(row, 'n') : 0;
    },
    async leafHashes(start, end) {
      return selectHashes.all([start, end]).map((r) => colBytes(r, 'leaf_hash'));
    },
    async entries(start, count) {
      return selectEntries.all([start, start + count]).map((r) => ({
        index: colInt(r, 'idx'),
        certificate: readCertificate(parseStoredJson(colStr(r, 'json'), 'certificate'), undefined, colStr(r, 'id')),
      }));
    },
    async leafIndexes(certificateIds) {
      if (certificateIds.length === 0) return new Map();
      const rows = selectIndexes.all([JSON.stringify(certificateIds)]);
      return new Map(rows.map((r) => [colStr(r, 'certificate_id'), colInt(r, 'idx')]));
    },
    async appendUnlogged() {
      return handle.immediate(() => {
        const rows = selectUnlogged.all();
        for (const r of rows) {
          const id = colStr(r, 'id');
          append(id, certificateLeafHash(readCertificate(parseStoredJson(colStr(r, 'json'), 'certificate'), undefined, id)));
        }
        return rows.length;
      });
    },
    async getLogCertificate(logKey) {
      const row = selectLogCertificate.get([logKey]);
      if (!row) return null;
      const parsed = logCertificateSchema.safeParse(parseStoredJson(colStr(row, 'json'), 'log certificate'));
      if (!parsed.success || parsed.data.body.logKey !== logKey) throw new StoredValueError('stored log certificate does not parse or names another key');
      return parsed.data;
    },
    async putLogCertificate(certificate, storedAt) {
      upsertLogCertificate.run([certificate.body.logKey, canonicalJson(logCertificateJson(certificate)), storedAt]);
    },
  };
}
