/**
 * sqlite: enrolments waiting for their code's issuer. One row per code id (the primary
 * key: a code enrols one device), closed by a conditional UPDATE when the device's
 * certificate is stored.
 */
import { identityKeyHash } from '@yhteispoyta/crypto/certificates/signing';
import { certificateColumns } from '../certificate-columns';
import type { EnrolmentRecord, EnrolmentStore } from '../port';
import { parseStoredJson, readCertificate, readCodeKind } from '../record-schemas';
import type { SqliteDb } from './db';
import { colBytes, colInt, colOptInt, colStr } from './db';

type Row = Record<string, unknown>;

function toEnrolment(r: Row): EnrolmentRecord {
  const issuedByDevice = colOptInt(r, 'issued_by_device');
  const closedAt = colOptInt(r, 'closed_at');
  return {
    codeId: colStr(r, 'code_id'),
    kind: readCodeKind(colStr(r, 'kind')),
    userId: colStr(r, 'user_id'),
    orgId: colStr(r, 'org_id'),
    deviceId: colInt(r, 'device_id'),
    identityKey: colBytes(r, 'identity_key'),
    registrationId: colInt(r, 'registration_id'),
    ...(r['user_key'] === null ? {} : { userKey: colBytes(r, 'user_key') }),
    ...(r['device_certificate'] === null
      ? {}
      : { deviceCertificate: readCertificate(parseStoredJson(colStr(r, 'device_certificate'), 'device certificate'), 'device') }),
    proof: colStr(r, 'proof'),
    enrolledAt: colInt(r, 'enrolled_at'),
    ...(issuedByDevice === undefined ? {} : { issuedBy: { userId: colStr(r, 'issued_by_user'), deviceId: issuedByDevice } }),
    ...(r['workspace_id'] === null ? {} : { workspaceId: colStr(r, 'workspace_id') }),
    ...(closedAt === undefined ? {} : { closedAt }),
  };
}

// The optional conditions are written as `? IS NULL OR …` so one statement per lookup
// column serves every combination of kind and open-only (parameters: the lookup value,
// kind twice, open-only as 0/1, limit).
const CONDITIONS = 'AND (? IS NULL OR kind = ?) AND (? = 0 OR closed_at IS NULL) ORDER BY enrolled_at, code_id LIMIT ?';

/** Build the enrolment methods over an open database. */
export function sqliteEnrolments({ db }: SqliteDb): EnrolmentStore {
  const insert = db.prepare(
    `INSERT INTO enrolments (code_id, kind, user_id, org_id, device_id, identity_key, key_hash, registration_id, user_key,
       device_certificate, proof, enrolled_at, issued_by_user, issued_by_device, workspace_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const selectOne = db.prepare('SELECT * FROM enrolments WHERE code_id = ?');
  const selectByOrg = db.prepare(`SELECT * FROM enrolments WHERE org_id = ? ${CONDITIONS}`);
  const selectByUser = db.prepare(`SELECT * FROM enrolments WHERE user_id = ? ${CONDITIONS}`);
  const close = db.prepare(
    'UPDATE enrolments SET closed_at = ? WHERE user_id = ? AND device_id = ? AND key_hash = ? AND closed_at IS NULL',
  );

  return {
    async createEnrolment(e) {
      const { changes } = insert.run([
        e.codeId, e.kind, e.userId, e.orgId, e.deviceId, e.identityKey, identityKeyHash(e.identityKey), e.registrationId,
        e.userKey ?? null, e.deviceCertificate === undefined ? null : certificateColumns(e.deviceCertificate).json,
        e.proof, e.enrolledAt, e.issuedBy?.userId ?? null, e.issuedBy?.deviceId ?? null, e.workspaceId ?? null,
      ]);
      return changes === 1 ? { ok: true } : { ok: false, code: 'exists' };
    },
    async getEnrolment(codeId) {
      const row = selectOne.get([codeId]);
      return row ? toEnrolment(row) : null;
    },
    async listEnrolments(query) {
      const kind = query.kind ?? null;
      const rest = [kind, kind, query.openOnly === true ? 1 : 0, query.limit];
      const rows = query.userId !== undefined ? selectByUser.all([query.userId, ...rest]) : selectByOrg.all([query.orgId, ...rest]);
      return rows.map(toEnrolment);
    },
    async closeEnrolments(device, identityKey, closedAt) {
      return close.run([closedAt, device.userId, device.deviceId, identityKeyHash(identityKey)]).changes;
    },
  };
}
