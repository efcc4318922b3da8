/**
 * Contract: single-use codes, login challenges, sessions.
 */
import { describe, expect, it } from 'vitest';
import { sha256, toHex, utf8 } from '@yhteispoyta/crypto/bytes';
import type { ContractContext } from './context';

const alice1 = { userId: 'alice', deviceId: 1 };
const newCode = (codeId: string, expiresAt = 1000) => ({
  codeId,
  kind: 'enrolment' as const,
  userId: 'alice',
  detail: { issuedBy: 'admin', 'key.with.dots': '$value' },
  createdAt: 1,
  expiresAt,
});

/** Register the auth cases. */
export function describeAuthContract({ store }: ContractContext): void {
  describe('single-use codes', () => {
    it('are used once, of their own kind only, and kept by their id', async () => {
      const s = store();
      expect(await s.auth.createCode(newCode('ABCD-EFGH'))).toEqual({ ok: true });
      expect(await s.auth.createCode(newCode('ABCD-EFGH'))).toEqual({ ok: false, code: 'exists' });
      expect(await s.auth.consumeCode('ABCD-EFGH', 'invitation', 10)).toEqual({ ok: false, code: 'not_found' });
      const used = await s.auth.consumeCode('ABCD-EFGH', 'enrolment', 10);
      expect(used).toEqual({
        ok: true,
        record: {
          codeId: 'ABCD-EFGH',
          kind: 'enrolment',
          userId: 'alice',
          detail: { issuedBy: 'admin', 'key.with.dots': '$value' },
          createdAt: 1,
          expiresAt: 1000,
          usedAt: 10,
        },
      });
      expect(await s.auth.consumeCode('ABCD-EFGH', 'enrolment', 11)).toEqual({ ok: false, code: 'used' });
      expect(await s.auth.consumeCode('nope', 'enrolment', 11)).toEqual({ ok: false, code: 'not_found' });
    });

    it('expire', async () => {
      const s = store();
      await s.auth.createCode(newCode('late', 100));
      expect(await s.auth.consumeCode('late', 'enrolment', 100)).toEqual({ ok: false, code: 'expired' });
      expect(await s.auth.consumeCode('late', 'enrolment', 99)).toMatchObject({ ok: true });
    });

    it('two concurrent uses: exactly one succeeds', async () => {
      const s = store();
      await s.auth.createCode(newCode('race'));
      const results = await Promise.all([1, 2, 3].map(() => s.auth.consumeCode('race', 'enrolment', 10)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.code === 'used')).toHaveLength(2);
    });

    it('two concurrent uses of one code id (as two redeeming devices): one wins, many times over', async () => {
      const s = store();
      for (let i = 0; i < 5; i += 1) {
        const codeId = `enr_race${i}abcdefg`;
        await s.auth.createCode(newCode(codeId));
        const [a, b] = await Promise.all([s.auth.consumeCode(codeId, 'enrolment', 10), s.auth.consumeCode(codeId, 'enrolment', 10)]);
        expect([a, b].filter((r) => r.ok)).toHaveLength(1);
        expect([a, b].find((r) => !r.ok)).toEqual({ ok: false, code: 'used' });
      }
    });

    it('a code id is registered once, even after it was used', async () => {
      const s = store();
      await s.auth.createCode(newCode('inv_onceonlyabc'));
      expect(await s.auth.consumeCode('inv_onceonlyabc', 'enrolment', 5)).toMatchObject({ ok: true });
      expect(await s.auth.createCode(newCode('inv_onceonlyabc', 2000))).toEqual({ ok: false, code: 'exists' });
      expect(await s.auth.consumeCode('inv_onceonlyabc', 'enrolment', 6)).toEqual({ ok: false, code: 'used' });
    });
  });

  describe('login challenges', () => {
    it('are taken once and expire', async () => {
      const s = store();
      const nonce = new Uint8Array(new ArrayBuffer(32)).fill(7);
      const challenge = { id: 'c1', device: alice1, nonce, createdAt: 1, expiresAt: 100 };
      expect(await s.auth.createChallenge(challenge)).toEqual({ ok: true });
      expect(await s.auth.createChallenge(challenge)).toEqual({ ok: false, code: 'exists' });
      const [a, b] = await Promise.all([s.auth.consumeChallenge('c1', 50), s.auth.consumeChallenge('c1', 50)]);
      expect([a, b].filter((r) => r.ok)).toHaveLength(1);
      expect([a, b].find((r) => r.ok)).toEqual({ ok: true, record: challenge });
      expect(await s.auth.consumeChallenge('c1', 50)).toEqual({ ok: false, code: 'not_found' });
      await s.auth.createChallenge({ ...challenge, id: 'c2' });
      expect(await s.auth.consumeChallenge('c2', 100)).toEqual({ ok: false, code: 'expired' });
      expect(await s.auth.consumeChallenge('c2', 10)).toEqual({ ok: false, code: 'not_found' });
    });
  });

  describe('sessions', () => {
    it('are found by token until they expire, and only the token hash is kept', async () => {
      const s = store();
      const token = 'tok-0123456789abcdef';
      const record = await s.auth.createSession({ token, device: alice1, createdAt: 1, expiresAt: 100 });
      expect(record).toEqual({ tokenHash: toHex(sha256(utf8(token))), device: alice1, createdAt: 1, expiresAt: 100 });
      expect(await s.auth.getSession(token, 99)).toEqual(record);
      expect(await s.auth.getSession(token, 100)).toBeNull();
      expect(await s.auth.getSession(record.tokenHash, 50)).toBeNull();
    });

    it('expired rows are purged', async () => {
      const s = store();
      await s.auth.createSession({ token: 'a', device: alice1, createdAt: 1, expiresAt: 100 });
      await s.auth.createSession({ token: 'b', device: alice1, createdAt: 1, expiresAt: 300 });
      await s.auth.createSession({ token: 'c', device: { userId: 'alice', deviceId: 2 }, createdAt: 1, expiresAt: 300 });
      await s.auth.createChallenge({ id: 'ch', device: alice1, nonce: new Uint8Array(new ArrayBuffer(4)), createdAt: 1, expiresAt: 100 });
      await s.auth.createCode(newCode('old', 100));
      await s.auth.createCode(newCode('new', 300));
      expect(await s.auth.purgeExpired(200)).toBe(3);
      expect(await s.auth.getSession('b', 200)).not.toBeNull();
      expect(await s.auth.consumeCode('new', 'enrolment', 200)).toMatchObject({ ok: true });
      expect(await s.auth.getSession('a', 200)).toBeNull();
      expect(await s.auth.getSession('c', 200)).not.toBeNull();
    });
  });
}
