/**
 * sqlite: the deployment root and stored certificates. The root row can exist once (a
 * CHECK on its key), so setting it is an insert that either wins or finds the root set;
 * a certificate's primary key is its id, so storing one twice changes nothing. A
 * certificate and its leaf in the transparency log are written in one transaction.
 */
import { bytesEqual } from '@yhteispoyta/crypto/bytes';
import { certificateColumns } from '../certificate-columns';
import type { CertificateRecord, CertificateStore, RootRecord } from '../port';
import { parseStoredJson, readCertificate, readCertificateType } from '../record-schemas';
import type { SqliteDb } from './db';
import { colBytes, colInt, colOptInt, colStr } from './db';
import { sqliteCertificateLog, sqliteLeafAppender } from './log';

type Row = Record<string, unknown>;

const optStr = (r: Row, name: string): string | undefined => (r[name] === null ? undefined : colStr(r, name));

function toCertificate(r: Row): CertificateRecord {
  const id = colStr(r, 'id');
  const userId = optStr(r, 'user_id');
  const orgId = optStr(r, 'org_id');
  const deviceId = colOptInt(r, 'device_id');
  return {
    id,
    type: readCertificateType(colStr(r, 'type')),
    ...(userId === undefined ? {} : { userId }),
    ...(orgId === undefined ? {} : { orgId }),
    ...(deviceId === undefined ? {} : { deviceId }),
    certificate: readCertificate(parseStoredJson(colStr(r, 'json'), 'certificate'), undefined, id),
    storedAt: colInt(r, 'stored_at'),
  };
}

/** Build the root and certificate methods over an open database. */
export function sqliteCertificates(handle: SqliteDb): CertificateStore {
  const { db } = handle;
  const appendLeaf = sqliteLeafAppender(handle);
  const selectRoot = db.prepare('SELECT key, set_at FROM deployment_root WHERE id = 1');
  const insertRoot = db.prepare('INSERT INTO deployment_root (id, key, set_at) VALUES (1, ?, ?) ON CONFLICT DO NOTHING');
  const insertCertificate = db.prepare(
    `INSERT INTO certificates (id, type, user_id, org_id, device_id, json, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  // One statement for any number of ids: the list travels as one JSON array parameter.
  const selectOfUsers = db.prepare(
    `SELECT * FROM certificates WHERE user_id IN (SELECT value FROM json_each(?))
     ORDER BY stored_at, id LIMIT ?`,
  );
  const selectOfOrgs = db.prepare(
    `SELECT * FROM certificates WHERE type = ? AND org_id IN (SELECT value FROM json_each(?))
     ORDER BY stored_at, id LIMIT ?`,
  );
  const root = (): RootRecord | null => {
    const row = selectRoot.get();
    return row ? { key: colBytes(row, 'key'), setAt: colInt(row, 'set_at') } : null;
  };

  return {
    log: sqliteCertificateLog(handle),
    async getRoot() {
      return root();
    },
    async setRoot(record) {
      insertRoot.run([record.key, record.setAt]);
      // Whoever inserted first decided; everyone compares against the stored key.
      const current = root();
      if (current === null) throw new Error('deployment root missing right after it was set');
      return bytesEqual(current.key, record.key) ? { ok: true } : { ok: false, code: 'conflict', current };
    },
    async putCertificate(certificate, storedAt) {
      const c = certificateColumns(certificate);
      const created = handle.immediate(() => {
        const { changes } = insertCertificate.run([c.id, c.type, c.userId ?? null, c.orgId ?? null, c.deviceId ?? null, c.json, storedAt]);
        appendLeaf(c.id, c.leafHash);
        return changes === 1;
      });
      return { ok: true, id: c.id, created };
    },
    async listCertificatesOfUsers(userIds, limit) {
      if (userIds.length === 0) return [];
      return selectOfUsers.all([JSON.stringify(userIds), limit]).map(toCertificate);
    },
    async listCertificatesOfOrgs(orgIds, type, limit) {
      if (orgIds.length === 0) return [];
      return selectOfOrgs.all([type, JSON.stringify(orgIds), limit]).map(toCertificate);
    },
  };
}
