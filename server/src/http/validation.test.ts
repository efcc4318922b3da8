/**
 * Refusal messages of schema parsing: they name the paths of the problems and never
 * repeat the caller's values or invented keys.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError, createLinkCodeRequestSchema, sendMailboxRequestSchema } from '@yhteispoyta/crypto/protocol';
import { z } from 'zod';
import { parseRequestPart } from './validation';

function refusal(schema: z.ZodType, value: unknown): ProtocolError {
  try {
    parseRequestPart(schema, value, 'body');
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('parseRequestPart', () => {
  it('returns the parsed value', () => {
    expect(parseRequestPart(createLinkCodeRequestSchema, { codeId: 'lnk_abcdefghijkl' }, 'body')).toEqual({ codeId: 'lnk_abcdefghijkl' });
  });

  it('names issue paths with their part, and never echoes values or invented keys', () => {
    const error = refusal(sendMailboxRequestSchema, {
      items: [{ to: { userId: 'user.with.dots-SECRETVALUE', deviceId: 500 }, message: { kind: 'mail', body: 'SECRETBODY' } }],
      'invented-SECRETKEY': true,
    });
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain('body.items.0.to.userId');
    expect(error.message).toContain('body.items.0.to.deviceId');
    expect(error.message).not.toMatch(/SECRET/);
  });

  it('shows record keys a caller chose as ?', () => {
    const schema = z.strictObject({ clocks: z.record(z.string(), z.int()) });
    const error = refusal(schema, { clocks: { 'caller-chosen-KEY': 'x' } });
    expect(error.message).toContain('body.clocks.?');
    expect(error.message).not.toContain('caller-chosen-KEY');
  });

  it('bounds the number of issues it lists', () => {
    const schema = z.strictObject({ list: z.array(z.int()) });
    const error = refusal(schema, { list: Array.from({ length: 50 }, () => 'x') });
    expect(error.message).toMatch(/; and \d+ more$/);
    expect(error.message.length).toBeLessThanOrEqual(500);
  });
});
