import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Ack, ErrorCode } from './errors';
import {
  ackFailureSchema,
  ackSchema,
  asProtocolError,
  ERROR_CODES,
  errorBodySchema,
  httpStatusOf,
  ProtocolError,
} from './errors';
import { extraKeyVariantsOf, mutationsOf } from './mutations.testkit';

// The statuses the API contract promises (the brief of the protocol module).
const PROMISED_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  quota_exceeded: 413,
  mailbox_full: 429,
  stale_snapshot: 409,
  clock_gap: 409,
  clock_replay: 409,
  bad_signature: 400,
  invalid_chain: 400,
  expired: 410,
  unsupported_version: 400,
  beyond_log_size: 400,
  internal: 500,
};

describe('error codes', () => {
  it('every code has an HTTP error status, as promised', () => {
    for (const code of ERROR_CODES) {
      const status = httpStatusOf(code);
      expect(Number.isInteger(status), code).toBe(true);
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(status, code).toBe(PROMISED_STATUS[code]);
    }
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(PROMISED_STATUS).sort());
  });

  it('only internal is a server fault', () => {
    expect(ERROR_CODES.filter((code) => httpStatusOf(code) >= 500)).toEqual(['internal']);
  });
});

describe('error body', () => {
  const body = { error: { code: 'not_found', message: 'no such workspace', id: 'err_01HX' } };

  it('accepts a valid body', () => {
    expect(errorBodySchema.parse(body)).toEqual(body);
  });

  it('rejects every hostile variant', () => {
    for (const m of mutationsOf(body)) {
      expect(errorBodySchema.safeParse(m.input).success, `${m.attack} at ${m.where}`).toBe(false);
    }
    for (const v of extraKeyVariantsOf(body, 'extra')) {
      expect(errorBodySchema.safeParse(v.input).success, `extra key at ${v.where}`).toBe(false);
    }
  });

  it('rejects unknown codes and long messages', () => {
    expect(errorBodySchema.safeParse({ error: { ...body.error, code: 'teapot' } }).success).toBe(false);
    expect(errorBodySchema.safeParse({ error: { ...body.error, message: 'x'.repeat(501) } }).success).toBe(false);
  });
});

describe('ProtocolError', () => {
  it('maps to a REST body and status', () => {
    const e = new ProtocolError('forbidden', 'not a member');
    expect(e).toBeInstanceOf(Error);
    expect(e.status).toBe(403);
    expect(errorBodySchema.parse(e.toBody('e1'))).toEqual({ error: { code: 'forbidden', message: 'not a member', id: 'e1' } });
  });

  it('keeps its message within the wire limit', () => {
    const e = new ProtocolError('bad_request', 'x'.repeat(2000));
    expect(errorBodySchema.safeParse(e.toBody('e1')).success).toBe(true);
    expect(ackFailureSchema.safeParse(e.toAck()).success).toBe(true);
  });

  it('maps to an ack failure that carries its details', () => {
    const e = new ProtocolError('stale_snapshot', 'snapshot is stale', { activeSnapshotId: 's2' });
    const ack = ackFailureSchema.parse(e.toAck());
    expect(ack).toEqual({ ok: false, error: { code: 'stale_snapshot', message: 'snapshot is stale', details: { activeSnapshotId: 's2' } } });
    expect('details' in new ProtocolError('forbidden', 'no').toAck().error).toBe(false);
  });

  it('turns unexpected exceptions into a generic internal error that leaks nothing', () => {
    const leaked = asProtocolError(new Error('SQLITE_CORRUPT at /var/lib/secret.db'));
    expect(leaked.code).toBe('internal');
    expect(leaked.message).not.toContain('secret');
    const known = new ProtocolError('conflict', 'taken');
    expect(asProtocolError(known)).toBe(known);
    expect(asProtocolError('a string').code).toBe('internal');
  });
});

describe('ack schema', () => {
  const schema = ackSchema(z.strictObject({ seq: z.int().min(1) }));

  it('accepts success and failure', () => {
    expect(schema.parse({ ok: true, seq: 3 })).toEqual({ ok: true, seq: 3 });
    const failure = { ok: false, error: { code: 'clock_gap', message: 'gap', details: { expected: 4 } } };
    expect(schema.parse(failure)).toEqual(failure);
  });

  it('rejects every hostile variant of success and failure', () => {
    const samples = [{ ok: true, seq: 3 }, { ok: false, error: { code: 'clock_gap', message: 'gap', details: { expected: 4 } } }];
    for (const sample of samples) {
      for (const m of mutationsOf(sample)) {
        // A detail value may be any finite scalar, so only these attacks are wrong there.
        const inDetails = m.where.startsWith('$.error.details.');
        if (inDetails && !['deep nesting', 'NaN', 'infinite', 'oversize string'].includes(m.attack)) continue;
        expect(schema.safeParse(m.input).success, `${m.attack} at ${m.where}`).toBe(false);
      }
      for (const v of extraKeyVariantsOf(sample, 'extra')) {
        // `details` is an open record of scalars: an extra scalar there is a detail, not an intrusion.
        if (v.where === '$.error.details') continue;
        expect(schema.safeParse(v.input).success, `extra key at ${v.where}`).toBe(false);
      }
    }
  });

  it('rejects mixed and incomplete shapes', () => {
    for (const bad of [
      { ok: true },
      { ok: 'true', seq: 1 },
      { ok: false, seq: 1 },
      { ok: false, error: { code: 'clock_gap', message: 'gap' }, seq: 1 },
      { ok: false, error: { code: 'clock_gap', message: 'gap', details: { nested: { a: 1 } } } },
      { ok: false, error: { code: 'clock_gap', message: 'gap', details: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])) } },
      { ok: false, error: { code: 'clock_gap', message: 'gap', details: { __proto__x: 1 } } },
    ]) {
      expect(schema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('infers the Ack type', () => {
    expectTypeOf<z.infer<typeof schema>>().toExtend<Ack<{ seq: number }>>();
    expectTypeOf<Ack<{ seq: number }>>().toExtend<z.infer<typeof schema>>();
  });
});
