/**
 * sqlite: workspaces, the membership chain, and the materialised membership view.
 */
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import type { StoredMembershipEvent, WorkspaceRecord, WorkspaceStore } from '../port';
import { ZERO_HASH_HEX } from '../port';
import { readMembershipEvent, readWorkspaceKind } from '../record-schemas';
import type { SqliteDb } from './db';
import { colInt, colJson, colStr } from './db';

type Row = Record<string, unknown>;

const toWorkspace = (r: Row): WorkspaceRecord => ({
  id: colStr(r, 'id'),
  kind: readWorkspaceKind(colStr(r, 'kind')),
  createdAt: colInt(r, 'created_at'),
  lastActivityAt: colInt(r, 'last_activity_at'),
});
const toEvent = (r: Row): StoredMembershipEvent => ({
  event: readMembershipEvent(colJson(r, 'event')),
  hash: colStr(r, 'hash'),
});

/** Build the workspace methods over an open database. */
export function sqliteWorkspaces({ db, immediate }: SqliteDb): WorkspaceStore {
  const insertWorkspace = db.prepare(
    `INSERT INTO workspaces (id, kind, created_at, last_activity_at) VALUES (?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  const selectWorkspace = db.prepare('SELECT * FROM workspaces WHERE id = ?');
  const touch = db.prepare('UPDATE workspaces SET last_activity_at = max(last_activity_at, ?) WHERE id = ?');
  const selectHead = db.prepare(
    'SELECT seq, hash FROM membership_events WHERE workspace_id = ? ORDER BY seq DESC LIMIT 1',
  );
  const insertEvent = db.prepare('INSERT INTO membership_events (workspace_id, seq, hash, event) VALUES (?, ?, ?, ?)');
  const selectEvents = db.prepare(
    'SELECT * FROM membership_events WHERE workspace_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  );
  const selectView = db.prepare('SELECT * FROM membership_views WHERE workspace_id = ?');
  // Changes when another connection (another server process) commits; never for this one's own commits.
  const dataVersion = db.prepare('PRAGMA data_version');
  const upsertView = db.prepare(
    `INSERT INTO membership_views (workspace_id, as_of_seq, members) VALUES (?, ?, ?)
     ON CONFLICT (workspace_id) DO UPDATE SET as_of_seq = excluded.as_of_seq, members = excluded.members`,
  );
  const clearDevices = db.prepare('DELETE FROM member_devices WHERE workspace_id = ?');
  const insertMemberDevice = db.prepare(
    'INSERT OR IGNORE INTO member_devices (workspace_id, user_id, device_id) VALUES (?, ?, ?)',
  );
  const selectMemberDevices = db.prepare(
    'SELECT user_id, device_id FROM member_devices WHERE workspace_id = ? ORDER BY user_id, device_id',
  );
  const clearUsers = db.prepare('DELETE FROM member_users WHERE workspace_id = ?');
  const insertMemberUser = db.prepare('INSERT OR IGNORE INTO member_users (workspace_id, user_id) VALUES (?, ?)');
  const selectUserWorkspaces = db.prepare(
    'SELECT workspace_id FROM member_users WHERE user_id = ? ORDER BY workspace_id',
  );

  const eventMatches = (e: MembershipEvent, workspaceId: string, seq: number, prevHash: string) =>
    e.workspaceId === workspaceId && e.seq === seq && e.prevHash === prevHash;

  return {
    async createWorkspace(ws) {
      const { changes } = insertWorkspace.run([ws.id, ws.kind, ws.createdAt, ws.createdAt]);
      return changes === 1 ? { ok: true } : { ok: false, code: 'exists' };
    },
    async getWorkspace(id) {
      const row = selectWorkspace.get([id]);
      return row ? toWorkspace(row) : null;
    },
    async touchWorkspace(id, at) {
      touch.run([at, id]);
    },
    async appendMembershipEvent(workspaceId, entry, expectedSeq, expectedPrevHash) {
      if (!eventMatches(entry.event, workspaceId, expectedSeq, expectedPrevHash)) return { ok: false, code: 'mismatch' };
      return immediate(() => {
        if (!selectWorkspace.get([workspaceId])) return { ok: false, code: 'unknown_workspace' } as const;
        const head = selectHead.get([workspaceId]);
        const headSeq = head ? colInt(head, 'seq') : -1;
        const headHash = head ? colStr(head, 'hash') : ZERO_HASH_HEX;
        if (headSeq + 1 !== expectedSeq || headHash !== expectedPrevHash) {
          return { ok: false, code: 'conflict', headSeq, headHash } as const;
        }
        insertEvent.run([workspaceId, expectedSeq, entry.hash, JSON.stringify(entry.event)]);
        return { ok: true } as const;
      });
    },
    async listMembershipEvents(workspaceId, afterSeq, limit = 10_000) {
      return selectEvents.all([workspaceId, afterSeq, limit]).map(toEvent);
    },
    async setMembershipView(workspaceId, view) {
      return immediate(() => {
        const current = selectView.get([workspaceId]);
        if (current && colInt(current, 'as_of_seq') >= view.asOfSeq) {
          return { ok: false, code: 'stale', asOfSeq: colInt(current, 'as_of_seq') } as const;
        }
        upsertView.run([workspaceId, view.asOfSeq, JSON.stringify(view.members)]);
        clearDevices.run([workspaceId]);
        clearUsers.run([workspaceId]);
        for (const m of view.members) {
          insertMemberUser.run([workspaceId, m.userId]);
          for (const device of m.devices) insertMemberDevice.run([workspaceId, m.userId, device.deviceId]);
        }
        return { ok: true } as const;
      });
    },
    async foreignWriteMark() {
      const row = dataVersion.get();
      if (!row) throw new Error('PRAGMA data_version returned no row');
      return colInt(row, 'data_version');
    },
    async memberDevices(workspaceId) {
      return selectMemberDevices
        .all([workspaceId])
        .map((r) => ({ userId: colStr(r, 'user_id'), deviceId: colInt(r, 'device_id') }));
    },
    async workspacesOfUser(userId) {
      return selectUserWorkspaces.all([userId]).map((r) => colStr(r, 'workspace_id'));
    },
  };
}
