/**
 * mongo: single-use codes (keyed by their id: the server never sees a code's secret),
 * login challenges, and sessions (keyed by SHA-256 of the bearer token).
 *
 * Single use rests on the two primitives that are atomic on MongoDB and on FerretDB v1
 * alike: an insert under a unique _id (a code's use) and a delete whose deletedCount says
 * who removed the document (a challenge). Conditional findOneAndUpdate/findOneAndDelete are
 * not used for this: FerretDB v1 runs them as read-then-write and hands the same document
 * to concurrent callers.
 */
import type { AuthStore, ChallengeRecord, CodeRecord, SessionRecord } from '../port';
import { parseStoredJson, readCodeKind, readStringRecord } from '../record-schemas';
import { hashSecret } from '../secrets';
import type { CodeDoc, MongoModels } from './models';
import { asBuffer, isDuplicateKey, storedBytes } from './values';

const toCode = (d: CodeDoc, usedAt: number): CodeRecord => ({
  codeId: d._id,
  kind: readCodeKind(d.kind),
  userId: d.userId,
  detail: readStringRecord(parseStoredJson(d.detail, 'code detail')),
  createdAt: d.createdAt,
  expiresAt: d.expiresAt,
  usedAt,
});

/** Build the auth methods over the adapter's models. */
export function mongoAuth(m: MongoModels): AuthStore {
  return {
    async createCode(code) {
      try {
        await m.codes.create({
          _id: code.codeId,
          kind: code.kind,
          userId: code.userId,
          detail: JSON.stringify(code.detail),
          createdAt: code.createdAt,
          expiresAt: code.expiresAt,
        });
        return { ok: true };
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'exists' };
        throw error;
      }
    },
    async consumeCode(codeId, kind, now) {
      const doc = await m.codes.findById(codeId).lean();
      if (!doc || doc.kind !== kind) return { ok: false, code: 'not_found' };
      if (await m.codeUses.exists({ _id: codeId })) return { ok: false, code: 'used' };
      if (doc.expiresAt <= now) return { ok: false, code: 'expired' };
      try {
        await m.codeUses.create({ _id: codeId, usedAt: now, expiresAt: doc.expiresAt });
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'used' };
        throw error;
      }
      return { ok: true, record: toCode(doc, now) };
    },
    async createChallenge(c) {
      try {
        await m.challenges.create({
          _id: c.id,
          userId: c.device.userId,
          deviceId: c.device.deviceId,
          nonce: asBuffer(c.nonce),
          createdAt: c.createdAt,
          expiresAt: c.expiresAt,
        });
        return { ok: true };
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'exists' };
        throw error;
      }
    },
    async consumeChallenge(id, now) {
      const d = await m.challenges.findById(id).lean();
      // Whoever's delete removed the document took the challenge.
      if (!d || (await m.challenges.deleteOne({ _id: id })).deletedCount !== 1) return { ok: false, code: 'not_found' };
      const record: ChallengeRecord = {
        id: d._id,
        device: { userId: d.userId, deviceId: d.deviceId },
        nonce: storedBytes(d.nonce),
        createdAt: d.createdAt,
        expiresAt: d.expiresAt,
      };
      return record.expiresAt > now ? { ok: true, record } : { ok: false, code: 'expired' };
    },
    async createSession(s) {
      const record: SessionRecord = {
        tokenHash: hashSecret(s.token),
        device: { userId: s.device.userId, deviceId: s.device.deviceId },
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
      };
      await m.sessions.create({
        _id: record.tokenHash,
        userId: record.device.userId,
        deviceId: record.device.deviceId,
        createdAt: record.createdAt,
        expiresAt: record.expiresAt,
      });
      return record;
    },
    async getSession(token, now) {
      const d = await m.sessions.findOne({ _id: hashSecret(token), expiresAt: { $gt: now } }).lean();
      return d
        ? { tokenHash: d._id, device: { userId: d.userId, deviceId: d.deviceId }, createdAt: d.createdAt, expiresAt: d.expiresAt }
        : null;
    },
    async purgeExpired(now) {
      const filter = { expiresAt: { $lte: now } };
      const results = await Promise.all([
        m.challenges.deleteMany(filter),
        m.sessions.deleteMany(filter),
        m.codes.deleteMany(filter),
        m.codeUses.deleteMany(filter),
      ]);
      return results.reduce((n, r) => n + r.deletedCount, 0);
    },
  };
}
