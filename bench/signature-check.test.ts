import { describe, expect, it } from 'vitest';
import { measureSignatureCheck } from './signature-check';

describe('the signature check measurement', () => {
  it('times a check that passes, for the payload asked', () => {
    const cost = measureSignatureCheck(64, 2);
    expect(cost.payloadBytes).toBe(64);
    expect(cost.us).toBeGreaterThan(0);
  });
});
