/**
 * The local-API contract writes out crypto/'s wire rules again (the browser may not
 * import crypto/). Here, where both can be imported, each copy is held to its original:
 * the same lists and bounds, and the same verdict on values at and around every edge.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as protocol from '@yhteispoyta/crypto/protocol';
import * as types from '@yhteispoyta/crypto/types';
import * as api from '@yhteispoyta/local-api';

function sameVerdicts(copy: z.ZodType, original: z.ZodType, samples: readonly unknown[]): void {
  for (const sample of samples) expect(copy.safeParse(sample).success, JSON.stringify(sample)).toBe(original.safeParse(sample).success);
}

const code = `enr_${'A'.repeat(12)}.${'B'.repeat(22)}.${'C'.repeat(22)}`;
const texts = ['', ' ', 'a', 'Anna Virtanen', 'x'.repeat(100), 'x'.repeat(101), 'x'.repeat(200), 'x'.repeat(201), 'a\u202Eb', 'a\u0007b', '\t', 'ä ö å', 7];

describe('the local API vocabulary agrees with crypto/', () => {
  it('lists the same roles, workspace kinds, device range and clients organisation', () => {
    expect(api.ROLES).toEqual(types.ROLES);
    expect(api.WORKSPACE_KINDS).toEqual(types.WORKSPACE_KINDS);
    expect([api.MIN_DEVICE_ID, api.MAX_DEVICE_ID]).toEqual([types.MIN_DEVICE_ID, types.MAX_DEVICE_ID]);
    expect(api.CLIENTS_ORG_ID).toBe(types.CLIENTS_ORG_ID);
    expect(api.MAX_WORKSPACE_LABEL_CHARS).toBe(protocol.MAX_WORKSPACE_LABEL_CHARS);
    expect(api.ID_PATTERN.source).toBe(protocol.ID_PATTERN.source);
  });

  it('judges identifiers, names, labels, codes, hashes and timestamps alike', () => {
    sameVerdicts(api.idSchema, protocol.idSchema, ['a', 'A-z_9', 'x'.repeat(64), 'x'.repeat(65), '', 'a b', 'a/b', 'ä', 3]);
    sameVerdicts(api.displayNameSchema, protocol.displayNameSchema, texts);
    sameVerdicts(api.workspaceLabelSchema, protocol.workspaceLabelSchema, texts);
    sameVerdicts(api.textSchema(500), protocol.textSchema(500), [...texts, 'x'.repeat(500), 'x'.repeat(501)]);
    sameVerdicts(api.oneTimeCodeSchema, protocol.oneTimeCodeSchema, [code, ` ${code} `, `${code}.2`, `${code}.0`, `${code}.1000`, code.replace('enr', 'inv'), code.replace('enr', 'xyz'), code.slice(1), '']);
    sameVerdicts(api.sha256HexSchema, protocol.sha256HexSchema, ['a'.repeat(64), 'A'.repeat(64), 'a'.repeat(63), 'g'.repeat(64)]);
    sameVerdicts(api.timestampMsSchema, protocol.timestampMsSchema, [0, 1, Date.now(), -1, 1.5, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY, '1']);
    sameVerdicts(api.roleSchema, protocol.roleSchema, [...types.ROLES, 'admin', '']);
  });

  it('names documents as the stream rules do', () => {
    for (const name of ['plan', 'meeting-1', 'M_2', 'x'.repeat(64), 'x'.repeat(65), '', 'plan.bak', 'a b', 'doc:plan']) {
      expect(api.docNameSchema.safeParse(name).success, name).toBe(protocol.streamNameSchema.safeParse(`doc:${name}`).success);
    }
  });
});
