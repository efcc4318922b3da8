import { describe, expect, it } from 'vitest';
import { toBase64 } from '../bytes';
import { testKey } from './authority.testkit';
import {
  approvalCode,
  checkEnrolmentProof,
  codeKindOfId,
  enrolmentProof,
  formatOneTimeCode,
  nameCommitment,
  newNameSalt,
  newOneTimeCode,
  parseOneTimeCode,
  rootFingerprint,
  userIdForCode,
} from './codes';

const root = testKey();
const fp = rootFingerprint(root.pub);

describe('one-time codes', () => {
  it('round-trip through their typed form, whitespace around them ignored', () => {
    for (const kind of ['enrolment', 'invitation', 'device_link'] as const) {
      const fresh = newOneTimeCode(kind, fp);
      const code = kind === 'device_link' ? { ...fresh, deviceId: 2 } : fresh;
      const text = formatOneTimeCode(code);
      expect(text.length).toBeLessThanOrEqual(66);
      expect(parseOneTimeCode(`  ${text}\n`)).toEqual(code);
      expect(codeKindOfId(code.codeId)).toBe(kind);
      expect(userIdForCode(code.codeId)).toMatch(/^u_[A-Za-z0-9_-]{16}$/);
      // One-way and kind-specific: the user id shows nothing of the code id.
      expect(userIdForCode(code.codeId)).not.toContain(code.codeId.slice(4));
      expect(userIdForCode(`inv_${code.codeId.slice(4)}`)).not.toBe(userIdForCode(`enr_${code.codeId.slice(4)}`));
    }
  });

  it('refuse anything that is not exactly a code', () => {
    const text = formatOneTimeCode(newOneTimeCode('enrolment', fp));
    const bad = [
      '', 'x', text.slice(1), `${text}x`, text.replace('.', ':'), text.replace('enr_', 'abc_'), text.split('.').slice(0, 2).join('.'),
      `${text.split('.')[0]}.${'A'.repeat(21)}B.${fp}`, // non-canonical base64url (stray bits)
      'a'.repeat(300), 5, null, undefined, {},
      `${text}.2`, // a device id on a code that is not a link code
    ];
    const link = formatOneTimeCode(newOneTimeCode('device_link', fp));
    bad.push(link, `${link}.0`, `${link}.128`, `${link}.02`);
    for (const value of bad) expect(parseOneTimeCode(value), String(value)).toBeUndefined();
  });

  it('carry a root fingerprint that depends on the whole root key', () => {
    expect(fp).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(rootFingerprint(testKey().pub)).not.toBe(fp);
  });
});

describe('enrolment proofs', () => {
  const code = newOneTimeCode('invitation', fp);
  const claim = { codeId: code.codeId, deviceId: 1, identityKey: testKey().b64, userKey: testKey().b64 };

  it('verify with the code secret and break when any claimed key changes', () => {
    const proof = enrolmentProof(code.secret, claim);
    expect(checkEnrolmentProof(code.secret, claim, proof)).toBe(true);
    expect(checkEnrolmentProof(newOneTimeCode('invitation', fp).secret, claim, proof)).toBe(false);
    expect(checkEnrolmentProof(code.secret, { ...claim, identityKey: testKey().b64 }, proof)).toBe(false);
    expect(checkEnrolmentProof(code.secret, { ...claim, userKey: testKey().b64 }, proof)).toBe(false);
    expect(checkEnrolmentProof(code.secret, { ...claim, deviceId: 2 }, proof)).toBe(false);
    expect(checkEnrolmentProof(code.secret, { ...claim, codeId: newOneTimeCode('invitation', fp).codeId }, proof)).toBe(false);
    const { userKey: _dropped, ...withoutUserKey } = claim;
    expect(checkEnrolmentProof(code.secret, withoutUserKey, proof)).toBe(false);
  });

  it('refuse malformed proofs without throwing', () => {
    for (const proof of [undefined, 1, '', 'zz', 'A'.repeat(64), toBase64(new Uint8Array(32))]) {
      expect(checkEnrolmentProof(code.secret, claim, proof)).toBe(false);
    }
  });
});

describe('approval codes and name commitments', () => {
  it('give six digits in two groups that both sides compute alike', () => {
    const code = newOneTimeCode('device_link', fp);
    const key = testKey();
    const shown = approvalCode(code.secret, key.pub);
    expect(shown).toMatch(/^[0-9]{3} [0-9]{3}$/);
    expect(approvalCode(code.secret, key.pub)).toBe(shown);
    const others = new Set(Array.from({ length: 20 }, () => approvalCode(code.secret, testKey().pub)));
    expect(others.size).toBeGreaterThan(15);
  });

  it('commit to a name under a salt: same name and salt match, anything else does not', () => {
    const salt = newNameSalt();
    const c = nameCommitment('Matti Meikäläinen', salt);
    expect(c).toMatch(/^[0-9a-f]{64}$/);
    expect(nameCommitment('Matti Meikäläinen', salt)).toBe(c);
    expect(nameCommitment('Matti Meikalainen', salt)).not.toBe(c);
    expect(nameCommitment('Matti Meikäläinen', newNameSalt())).not.toBe(c);
  });
});
