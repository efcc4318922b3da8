import { describe, expect, it } from 'vitest';
import { bytesEqual, toHex, utf8 } from '@yhteispoyta/crypto/bytes';
import { DEFAULT_SCRYPT_PARAMS, WEAK_TEST_SCRYPT_PARAMS, deriveProfileKeys, keyCheckValue, scryptParamsSchema } from './kdf';

const salt = utf8('0123456789abcdef');
const otherSalt = utf8('fedcba9876543210');

describe('deriveProfileKeys', () => {
  it('is deterministic in passphrase, salt and parameters', async () => {
    const a = await deriveProfileKeys('correct horse', salt, WEAK_TEST_SCRYPT_PARAMS);
    const b = await deriveProfileKeys('correct horse', salt, WEAK_TEST_SCRYPT_PARAMS);
    expect(toHex(a.databaseKey)).toBe(toHex(b.databaseKey));
    expect(toHex(a.checkKey)).toBe(toHex(b.checkKey));
    expect(a.databaseKey.byteLength).toBe(32);
    expect(a.checkKey.byteLength).toBe(32);
  });

  it('gives independent database and check keys', async () => {
    const keys = await deriveProfileKeys('correct horse', salt, WEAK_TEST_SCRYPT_PARAMS);
    expect(bytesEqual(keys.databaseKey, keys.checkKey)).toBe(false);
  });

  it('changes with the passphrase, the salt and the parameters', async () => {
    const base = await deriveProfileKeys('correct horse', salt, WEAK_TEST_SCRYPT_PARAMS);
    const variants = [
      await deriveProfileKeys('correct horsf', salt, WEAK_TEST_SCRYPT_PARAMS),
      await deriveProfileKeys('correct horse', otherSalt, WEAK_TEST_SCRYPT_PARAMS),
      await deriveProfileKeys('correct horse', salt, { ...WEAK_TEST_SCRYPT_PARAMS, N: 2 ** 11 }),
    ];
    for (const v of variants) expect(toHex(v.databaseKey)).not.toBe(toHex(base.databaseKey));
  });

  it('treats composed and decomposed forms of the same passphrase alike', async () => {
    const composed = await deriveProfileKeys('p\u00e4iv\u00e4', salt, WEAK_TEST_SCRYPT_PARAMS);
    const decomposed = await deriveProfileKeys('pa\u0308iva\u0308', salt, WEAK_TEST_SCRYPT_PARAMS);
    expect(toHex(decomposed.databaseKey)).toBe(toHex(composed.databaseKey));
  });
});

describe('keyCheckValue', () => {
  it('differs between keys and is stable for one key', async () => {
    const a = await deriveProfileKeys('one', salt, WEAK_TEST_SCRYPT_PARAMS);
    const b = await deriveProfileKeys('two', salt, WEAK_TEST_SCRYPT_PARAMS);
    expect(toHex(keyCheckValue(a.checkKey))).toBe(toHex(keyCheckValue(a.checkKey)));
    expect(toHex(keyCheckValue(a.checkKey))).not.toBe(toHex(keyCheckValue(b.checkKey)));
  });
});

describe('scrypt parameters', () => {
  it('defaults to the slow ones: N = 2^17, r = 8, p = 1', () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ N: 131072, r: 8, p: 1 });
    expect(WEAK_TEST_SCRYPT_PARAMS.N).toBeLessThan(DEFAULT_SCRYPT_PARAMS.N);
  });

  it('accepts the defaults and refuses non-powers of two and memory bombs', () => {
    expect(scryptParamsSchema.safeParse(DEFAULT_SCRYPT_PARAMS).success).toBe(true);
    expect(scryptParamsSchema.safeParse({ N: 100_000, r: 8, p: 1 }).success).toBe(false);
    expect(scryptParamsSchema.safeParse({ N: 2 ** 20, r: 32, p: 1 }).success).toBe(false);
    expect(scryptParamsSchema.safeParse({ N: 2 ** 4, r: 8, p: 1 }).success).toBe(false);
    expect(scryptParamsSchema.safeParse({ N: '131072', r: 8, p: 1 }).success).toBe(false);
  });
});
