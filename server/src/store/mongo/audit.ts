/**
 * mongo: the hash-chained audit log. The entry's seq is its _id, so two writers that read
 * the same head and try to append the same seq collide on the primary key: exactly one
 * lands and the other re-reads the head and retries. Within one process appends are also
 * queued, so retries only happen between processes. A single insert per entry means a
 * crash can never leave half an entry.
 */
import { SerialQueue } from '@yhteispoyta/common/queue';
import { AuditChainVerifier, nextAuditEntry } from '../audit-chain';
import type { AuditEntry, AuditStore } from '../port';
import { readStringRecord } from '../record-schemas';
import type { AuditDoc, MongoModels } from './models';
import { isDuplicateKey } from './values';

const MAX_ATTEMPTS = 50;
const VERIFY_PAGE = 1000;

const toEntry = (d: AuditDoc): AuditEntry => ({
  seq: d._id,
  at: d.at,
  actor: typeof d.actorUser === 'string' && typeof d.actorDevice === 'number' ? { userId: d.actorUser, deviceId: d.actorDevice } : null,
  action: d.action,
  ...(typeof d.workspaceId === 'string' ? { workspaceId: d.workspaceId } : {}),
  detail: readStringRecord(JSON.parse(d.detail)),
  prevHash: d.prevHash,
  hash: d.hash,
});

/** Build the audit methods over the adapter's models. */
export function mongoAudit(m: MongoModels): AuditStore {
  const lock = new SerialQueue();
  return {
    async appendAudit(entry) {
      return lock.run(async () => {
        for (let attempt = 1; ; attempt += 1) {
          const head = await m.audit.findOne().sort({ _id: -1 }).lean();
          const next = nextAuditEntry(head ? { seq: head._id, hash: head.hash } : null, entry);
          try {
            await m.audit.create({
              _id: next.seq,
              at: next.at,
              ...(next.actor ? { actorUser: next.actor.userId, actorDevice: next.actor.deviceId } : {}),
              action: next.action,
              ...(next.workspaceId !== undefined ? { workspaceId: next.workspaceId } : {}),
              detail: JSON.stringify(next.detail),
              prevHash: next.prevHash,
              hash: next.hash,
            });
            return next;
          } catch (error) {
            if (!isDuplicateKey(error) || attempt >= MAX_ATTEMPTS) throw error;
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
          }
        }
      });
    },
    async queryAudit(q) {
      const filter: Record<string, unknown> = { _id: { $gt: q.afterSeq ?? 0 } };
      if (q.workspaceId !== undefined) filter['workspaceId'] = q.workspaceId;
      if (q.actor !== undefined) {
        filter['actorUser'] = q.actor.userId;
        filter['actorDevice'] = q.actor.deviceId;
      }
      const at: Record<string, number> = {};
      if (q.fromAt !== undefined) at['$gte'] = q.fromAt;
      if (q.toAt !== undefined) at['$lt'] = q.toAt;
      if (Object.keys(at).length > 0) filter['at'] = at;
      const docs = await m.audit.find(filter).sort({ _id: 1 }).limit(q.limit).lean();
      return docs.map(toEntry);
    },
    async verifyAuditChain() {
      const verifier = new AuditChainVerifier();
      let after = 0;
      for (;;) {
        const docs = await m.audit.find({ _id: { $gt: after } }).sort({ _id: 1 }).limit(VERIFY_PAGE).lean();
        for (const d of docs) if (!verifier.add(toEntry(d))) return verifier.result();
        const last = docs.at(-1);
        if (!last || docs.length < VERIFY_PAGE) return verifier.result();
        after = last._id;
      }
    },
  };
}
