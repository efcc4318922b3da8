/**
 * sqlite: single-use codes (by id: their secret never reaches the server), login
 * challenges and sessions (tokens stored only as SHA-256, see secrets.ts).
 */
import type { AuthStore, ChallengeRecord, CodeRecord, SessionRecord } from '../port';
import { readCodeKind, readStringRecord } from '../record-schemas';
import { hashSecret } from '../secrets';
import type { SqliteDb } from './db';
import { colBytes, colInt, colJson, colOptInt, colStr } from './db';

type Row = Record<string, unknown>;

function toCode(r: Row): CodeRecord {
  const usedAt = colOptInt(r, 'used_at');
  return {
    codeId: colStr(r, 'code_id'),
    kind: readCodeKind(colStr(r, 'kind')),
    userId: colStr(r, 'user_id'),
    detail: readStringRecord(colJson(r, 'detail')),
    createdAt: colInt(r, 'created_at'),
    expiresAt: colInt(r, 'expires_at'),
    ...(usedAt === undefined ? {} : { usedAt }),
  };
}
const toChallenge = (r: Row): ChallengeRecord => ({
  id: colStr(r, 'id'),
  device: { userId: colStr(r, 'user_id'), deviceId: colInt(r, 'device_id') },
  nonce: colBytes(r, 'nonce'),
  createdAt: colInt(r, 'created_at'),
  expiresAt: colInt(r, 'expires_at'),
});
const toSession = (r: Row): SessionRecord => ({
  tokenHash: colStr(r, 'token_hash'),
  device: { userId: colStr(r, 'user_id'), deviceId: colInt(r, 'device_id') },
  createdAt: colInt(r, 'created_at'),
  expiresAt: colInt(r, 'expires_at'),
});

/** Build the auth methods over an open database. */
export function sqliteAuth({ db, immediate }: SqliteDb): AuthStore {
  const insertCode = db.prepare(
    `INSERT INTO codes (code_id, kind, user_id, detail, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  const selectCode = db.prepare('SELECT * FROM codes WHERE code_id = ?');
  // The conditional UPDATE is the single-use guarantee: only one caller can flip used_at.
  const useCode = db.prepare(
    `UPDATE codes SET used_at = ? WHERE code_id = ? AND kind = ? AND used_at IS NULL AND expires_at > ?
     RETURNING *`,
  );
  const insertChallenge = db.prepare(
    `INSERT INTO challenges (id, user_id, device_id, nonce, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  const takeChallenge = db.prepare('DELETE FROM challenges WHERE id = ? RETURNING *');
  const insertSession = db.prepare(
    'INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  );
  const selectSession = db.prepare('SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?');
  const purgeChallenges = db.prepare('DELETE FROM challenges WHERE expires_at <= ?');
  const purgeSessions = db.prepare('DELETE FROM sessions WHERE expires_at <= ?');
  const purgeCodes = db.prepare('DELETE FROM codes WHERE expires_at <= ?');

  return {
    async createCode(code) {
      const { changes } = insertCode.run([
        code.codeId,
        code.kind,
        code.userId,
        JSON.stringify(code.detail),
        code.createdAt,
        code.expiresAt,
      ]);
      return changes === 1 ? { ok: true } : { ok: false, code: 'exists' };
    },
    async consumeCode(codeId, kind, now) {
      const used = useCode.get([now, codeId, kind, now]);
      if (used) return { ok: true, record: toCode(used) };
      // Why it failed is read afterwards; the decision itself was the UPDATE above.
      const row = selectCode.get([codeId]);
      if (!row || toCode(row).kind !== kind) return { ok: false, code: 'not_found' };
      return { ok: false, code: row['used_at'] === null ? 'expired' : 'used' };
    },
    async createChallenge(challenge) {
      const { changes } = insertChallenge.run([
        challenge.id,
        challenge.device.userId,
        challenge.device.deviceId,
        challenge.nonce,
        challenge.createdAt,
        challenge.expiresAt,
      ]);
      return changes === 1 ? { ok: true } : { ok: false, code: 'exists' };
    },
    async consumeChallenge(id, now) {
      const row = takeChallenge.get([id]);
      if (!row) return { ok: false, code: 'not_found' };
      const record = toChallenge(row);
      return record.expiresAt > now ? { ok: true, record } : { ok: false, code: 'expired' };
    },
    async createSession(session) {
      const record: SessionRecord = {
        tokenHash: hashSecret(session.token),
        device: { userId: session.device.userId, deviceId: session.device.deviceId },
        createdAt: session.createdAt,
        expiresAt: session.expiresAt,
      };
      insertSession.run([record.tokenHash, record.device.userId, record.device.deviceId, record.createdAt, record.expiresAt]);
      return record;
    },
    async getSession(token, now) {
      const row = selectSession.get([hashSecret(token), now]);
      return row ? toSession(row) : null;
    },
    async purgeExpired(now) {
      return immediate(
        () => purgeChallenges.run([now]).changes + purgeSessions.run([now]).changes + purgeCodes.run([now]).changes,
      );
    },
  };
}
