/**
 * sqlite: the hash-chained audit log. Reading the head and inserting the next entry
 * happen in one BEGIN IMMEDIATE transaction, so the chain never forks.
 */
import { nextAuditEntry, AuditChainVerifier } from '../audit-chain';
import type { AuditEntry, AuditStore } from '../port';
import { readStringRecord } from '../record-schemas';
import type { SqliteDb } from './db';
import { colInt, colJson, colOptInt, colStr } from './db';

type Row = Record<string, unknown>;

function toEntry(r: Row): AuditEntry {
  const actorUser = r['actor_user'];
  const actorDevice = colOptInt(r, 'actor_device');
  const workspaceId = r['workspace_id'];
  return {
    seq: colInt(r, 'seq'),
    at: colInt(r, 'at'),
    actor: typeof actorUser === 'string' && actorDevice !== undefined ? { userId: actorUser, deviceId: actorDevice } : null,
    action: colStr(r, 'action'),
    ...(typeof workspaceId === 'string' ? { workspaceId } : {}),
    detail: readStringRecord(colJson(r, 'detail')),
    prevHash: colStr(r, 'prev_hash'),
    hash: colStr(r, 'hash'),
  };
}

const VERIFY_PAGE = 1000;

/** Build the audit methods over an open database. */
export function sqliteAudit({ db, immediate }: SqliteDb): AuditStore {
  const selectHead = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  const insert = db.prepare(
    `INSERT INTO audit (seq, at, actor_user, actor_device, action, workspace_id, detail, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectPage = db.prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?');

  return {
    async appendAudit(entry) {
      return immediate(() => {
        const head = selectHead.get();
        const next = nextAuditEntry(head ? { seq: colInt(head, 'seq'), hash: colStr(head, 'hash') } : null, entry);
        insert.run([
          next.seq,
          next.at,
          next.actor?.userId ?? null,
          next.actor?.deviceId ?? null,
          next.action,
          next.workspaceId ?? null,
          JSON.stringify(next.detail),
          next.prevHash,
          next.hash,
        ]);
        return next;
      });
    },
    async queryAudit(q) {
      // Built from fixed fragments only; every value is a bound parameter.
      const where: string[] = ['seq > ?'];
      const params: (string | number)[] = [q.afterSeq ?? 0];
      if (q.workspaceId !== undefined) {
        where.push('workspace_id = ?');
        params.push(q.workspaceId);
      }
      if (q.actor !== undefined) {
        where.push('actor_user = ? AND actor_device = ?');
        params.push(q.actor.userId, q.actor.deviceId);
      }
      if (q.fromAt !== undefined) {
        where.push('at >= ?');
        params.push(q.fromAt);
      }
      if (q.toAt !== undefined) {
        where.push('at < ?');
        params.push(q.toAt);
      }
      params.push(q.limit);
      return db.prepare(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`).all(params).map(toEntry);
    },
    async verifyAuditChain() {
      const verifier = new AuditChainVerifier();
      let after = 0;
      for (;;) {
        const page = selectPage.all([after, VERIFY_PAGE]).map(toEntry);
        for (const entry of page) if (!verifier.add(entry)) return verifier.result();
        const last = page.at(-1);
        if (!last || page.length < VERIFY_PAGE) return verifier.result();
        after = last.seq;
      }
    },
  };
}
