/**
 * Contract: the hash-chained audit log, its queries and tamper detection, and health.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, concatBytes, fromHex, sha256, toHex, utf8 } from '@yhteispoyta/crypto/bytes';
import { ZERO_HASH_HEX } from '../port';
import type { NewAuditEntry } from '../port';
import type { ContractContext } from './context';

const alice1 = { userId: 'alice', deviceId: 1 };
const bob2 = { userId: 'bob', deviceId: 2 };

const join: NewAuditEntry = { at: 100, actor: alice1, action: 'join', workspaceId: 'w1', detail: { stream: 'doc:plan' } };
const fetch: NewAuditEntry = { at: 200, actor: bob2, action: 'fetch', workspaceId: 'w1', detail: {} };
// keys with dots and dollars must survive both adapters
const enrol: NewAuditEntry = { at: 300, actor: null, action: 'enrol', detail: { 'org.id': 'org1', $note: 'admin' } };
const exported: NewAuditEntry = { at: 400, actor: alice1, action: 'export', workspaceId: 'w2', detail: { format: 'pdf' } };
const entries = [join, fetch, enrol, exported];

/** Register the audit and health cases. */
export function describeAuditContract({ store, inspector }: ContractContext): void {
  describe('audit log', () => {
    it('chains entries: hash = SHA-256(prevHash ‖ canonical entry)', async () => {
      const s = store();
      const first = await s.audit.appendAudit(join);
      const expectedHash = toHex(
        sha256(
          concatBytes(fromHex(ZERO_HASH_HEX) ?? new Uint8Array(32), utf8(canonicalJson({
            seq: 1, at: 100, actor: { userId: 'alice', deviceId: 1 }, action: 'join', workspaceId: 'w1', detail: { stream: 'doc:plan' },
          }))),
        ),
      );
      expect(first).toEqual({ ...join, seq: 1, prevHash: ZERO_HASH_HEX, hash: expectedHash });
      const second = await s.audit.appendAudit(fetch);
      expect(second.seq).toBe(2);
      expect(second.prevHash).toBe(first.hash);
      expect(await s.audit.verifyAuditChain()).toEqual({ ok: true, entries: 2 });
    });

    it('answers queries by workspace, actor device, time range and limit', async () => {
      const s = store();
      for (const e of entries) await s.audit.appendAudit(e);
      const seqs = async (q: Parameters<typeof s.audit.queryAudit>[0]) => (await s.audit.queryAudit(q)).map((e) => e.seq);
      expect(await seqs({ limit: 10 })).toEqual([1, 2, 3, 4]);
      expect(await seqs({ workspaceId: 'w1', limit: 10 })).toEqual([1, 2]);
      expect(await seqs({ actor: alice1, limit: 10 })).toEqual([1, 4]);
      expect(await seqs({ actor: { userId: 'alice', deviceId: 2 }, limit: 10 })).toEqual([]);
      expect(await seqs({ fromAt: 200, toAt: 400, limit: 10 })).toEqual([2, 3]);
      expect(await seqs({ afterSeq: 1, limit: 2 })).toEqual([2, 3]);
      expect(await seqs({ actor: alice1, workspaceId: 'w2', limit: 10 })).toEqual([4]);
      const [third] = await s.audit.queryAudit({ afterSeq: 2, limit: 1 });
      expect(third).toMatchObject({ actor: null, action: 'enrol', detail: { 'org.id': 'org1', $note: 'admin' } });
      expect(third && 'workspaceId' in third).toBe(false);
    });

    it('stays one unbroken chain under concurrent appends', async () => {
      const s = store();
      const written = await Promise.all(
        Array.from({ length: 12 }, (_, i) => s.audit.appendAudit({ at: 1000 + i, actor: alice1, action: `a${i}`, detail: { i: String(i) } })),
      );
      expect(written.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(await s.audit.verifyAuditChain()).toEqual({ ok: true, entries: 12 });
    });

    it('detects an entry changed in the database', async () => {
      const s = store();
      for (const e of entries) await s.audit.appendAudit(e);
      expect(await s.audit.verifyAuditChain()).toEqual({ ok: true, entries: 4 });
      await inspector.tamperAuditAction(s, 3, 'nothing-happened');
      expect(await s.audit.verifyAuditChain()).toEqual({ ok: false, code: 'broken', seq: 3 });
    });
  });

  describe('health', () => {
    it('is ok while open and unavailable after close', async () => {
      const s = store();
      expect(await s.health()).toEqual({ ok: true, kind: s.kind });
      await s.close();
      expect(await s.health()).toMatchObject({ ok: false, code: 'unavailable', kind: s.kind });
      await s.close();
    });
  });
}
