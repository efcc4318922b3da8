import { describe, expect, it } from 'vitest';
import { auditEntryHash } from '@yhteispoyta/crypto/protocol/audit-hash';
import type { AuditEntry } from '@yhteispoyta/crypto/protocol';
import { AuditPins } from './audit-check';

const ZERO = '0'.repeat(64);
const alice = { userId: 'alice', deviceId: 1 };

/** A global chain of n entries, every other one in workspace w1. */
function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = ZERO;
  for (let seq = 1; seq <= n; seq++) {
    const content = { seq, at: 1000 + seq, actor: alice, action: 'fetch' as const, workspaceId: seq % 2 === 0 ? 'w2' : 'w1', detail: { what: 'membership' } };
    const hash = auditEntryHash(prev, content);
    out.push({ ...content, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}
const w1 = (entries: AuditEntry[]) => entries.filter((e) => e.workspaceId === 'w1');

describe('the agent check of a workspace audit slice', () => {
  it('accepts an honest slice of the global chain and adjacent entries that link', () => {
    expect(new AuditPins().check('w1', w1(chain(9)))).toEqual({ ok: true, entries: 5 });
    expect(new AuditPins().check('w', chain(6))).toEqual({ ok: true, entries: 6 });
  });

  it('flags an entry changed in the store without the chain recomputed', () => {
    const slice = w1(chain(9));
    const tampered = slice.map((e) => (e.seq === 5 ? { ...e, detail: { what: 'nothing' } } : e));
    expect(new AuditPins().check('w1', tampered)).toEqual({ ok: false, seq: 5, reason: 'hash_mismatch' });
    const otherActor = slice.map((e) => (e.seq === 3 ? { ...e, actor: { userId: 'mallory', deviceId: 1 } } : e));
    expect(new AuditPins().check('w1', otherActor)).toMatchObject({ ok: false, seq: 3 });
  });

  it('flags a missing link, a reordering and adjacent entries that do not link', () => {
    const all = chain(4);
    const { prevHash: _dropped, ...unlinked } = all[1]!;
    expect(new AuditPins().check('w', [all[0]!, unlinked as AuditEntry])).toEqual({ ok: false, seq: 2, reason: 'missing_link' });
    expect(new AuditPins().check('w', [all[1]!, all[0]!])).toMatchObject({ ok: false, reason: 'out_of_order' });
    // Entry 3 rebuilt on another history: internally consistent, but not linked to entry 2.
    const rebuilt = { ...all[2]!, prevHash: 'a'.repeat(64) };
    const rehashed = { ...rebuilt, hash: auditEntryHash(rebuilt.prevHash, rebuilt) };
    expect(new AuditPins().check('w', [all[0]!, all[1]!, rehashed])).toEqual({ ok: false, seq: 3, reason: 'broken_link' });
  });

  it('flags a history rewritten or shortened between two views', () => {
    const pins = new AuditPins();
    const first = w1(chain(9));
    expect(pins.check('w1', first).ok).toBe(true);
    // The server rebuilds the chain from entry 5 on with a changed entry: each entry checks out alone.
    const rewritten = chain(9).map((e) => (e.seq === 5 ? { ...e, at: e.at + 1 } : e));
    let prev = ZERO;
    const rebuilt = rewritten.map((e) => {
      const hash = auditEntryHash(prev, e);
      const out = { ...e, prevHash: prev, hash };
      prev = hash;
      return out;
    });
    expect(pins.check('w1', w1(rebuilt))).toEqual({ ok: false, seq: 5, reason: 'rewritten' });
    expect(pins.check('w1', first.filter((e) => e.seq !== 5))).toEqual({ ok: false, seq: 5, reason: 'removed' });
    // Unchanged history plus new entries is fine.
    expect(pins.check('w1', w1(chain(13))).ok).toBe(true);
  });
});
