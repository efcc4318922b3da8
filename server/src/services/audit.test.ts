/**
 * What the audit log keeps of a caller's detail: bounded, well-formed keys, never a key
 * that names a secret, values cut to length; and what recordAudit stores.
 */
import { describe, expect, it } from 'vitest';
import { MAX_AUDIT_DETAIL_CHARS, MAX_AUDIT_DETAIL_ENTRIES } from '@yhteispoyta/crypto/protocol';
import { createHub } from '../context';
import type { ServerContext } from '../context';
import { loadConfig } from '../config';
import { createRootLogger } from '../logger';
import { openSqliteStore } from '../store/sqlite/store';
import { queryWorkspaceAudit, recordAudit, sanitizeAuditDetail } from './audit';

describe('sanitizeAuditDetail', () => {
  it('drops secret-named and malformed keys, cuts long values and bounds the entry count', () => {
    const detail: Record<string, string> = {
      route: 'login', token: 't', Signature: 's', nonce: 'n', code: 'c', ciphertext: 'x', body: 'b', key: 'k',
      '__proto__x': 'p', '1abc': 'digit first', 'long': 'y'.repeat(MAX_AUDIT_DETAIL_CHARS + 10),
    };
    const clean = sanitizeAuditDetail(detail);
    expect(Object.keys(clean).sort()).toEqual(['long', 'route']);
    expect(clean['long']).toHaveLength(MAX_AUDIT_DETAIL_CHARS);
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, String(i)]));
    expect(Object.keys(sanitizeAuditDetail(many))).toHaveLength(MAX_AUDIT_DETAIL_ENTRIES);
    expect(sanitizeAuditDetail(undefined)).toEqual({});
  });
});

describe('recordAudit', () => {
  it('stores sanitized entries that a workspace query returns in wire form, with an inclusive upper bound', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    let now = 1_000;
    const ctx: ServerContext = {
      config: loadConfig({}), store, log: createRootLogger('silent'), hub: createHub(), now: () => now,
    };
    try {
      await recordAudit(ctx, { actor: { userId: 'u1', deviceId: 1 }, action: 'join', workspaceId: 'w1', detail: { stream: 'chat', token: 'secret' } });
      now = 2_000;
      await recordAudit(ctx, { actor: null, action: 'denied', workspaceId: 'not a valid id', detail: { route: 'x' } });
      await recordAudit(ctx, { actor: null, action: 'fetch', workspaceId: 'w1' });
      const all = await queryWorkspaceAudit(ctx, 'w1', { limit: 10 });
      expect(all.map((e) => [e.action, e.at, e.detail])).toEqual([['join', 1_000, { stream: 'chat' }], ['fetch', 2_000, {}]]);
      expect(await queryWorkspaceAudit(ctx, 'w1', { to: 1_000, limit: 10 })).toHaveLength(1);
      expect(await queryWorkspaceAudit(ctx, 'w1', { from: 1_001, limit: 10 })).toHaveLength(1);
      expect(await queryWorkspaceAudit(ctx, 'w1', { device: { userId: 'u1', deviceId: 1 }, limit: 10 })).toHaveLength(1);
      const stored = await store.audit.queryAudit({ limit: 10 });
      expect(stored[1]?.workspaceId).toBeUndefined();
      expect((await store.audit.verifyAuditChain()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
});
