import { describe, expect, it } from 'vitest';
import { toBase64 } from '../bytes';
import { TestAuthority, T0, YEAR } from '../certificates/authority.testkit';
import { signCertificate, verifyCertificateSignature } from '../certificates/signing';
import { logCertificateJson, signLogCertificate, verifyLogCertificate } from './log-certificate';
import { generateLogKey, logPublicKey, logPublicKeyBase64 } from './log-key';

const ca = new TestAuthority();
const key = generateLogKey();
const body = { t: 'log', v: 1, logKey: logPublicKeyBase64(key), notBefore: T0 - YEAR, notAfter: T0 + YEAR } as const;

describe('log certificates', () => {
  it('certify the log key under the root, and only at times inside their validity', () => {
    const cert = signLogCertificate(body, ca.root.priv);
    const checked = verifyLogCertificate(ca.root.pub, JSON.parse(JSON.stringify(logCertificateJson(cert))), T0);
    expect(checked).toEqual({ ok: true, certificate: cert, logKey: logPublicKey(key) });
    expect(verifyLogCertificate(ca.root.pub, cert, T0 + 2 * YEAR)).toMatchObject({ ok: false, code: 'expired' });
    expect(verifyLogCertificate(ca.root.pub, cert, T0 - 2 * YEAR)).toMatchObject({ ok: false, code: 'expired' });
  });

  it('are untrusted under another root, with any field changed, or when signed as another type', () => {
    const cert = signLogCertificate(body, ca.root.priv);
    expect(verifyLogCertificate(new TestAuthority().root.pub, cert, T0)).toMatchObject({ ok: false, code: 'untrusted' });
    const otherKey = logPublicKeyBase64(generateLogKey());
    for (const changed of [{ logKey: otherKey }, { notBefore: body.notBefore + 1 }, { notAfter: body.notAfter - 1 }]) {
      expect(verifyLogCertificate(ca.root.pub, { ...cert, body: { ...cert.body, ...changed } }, T0)).toMatchObject({ ok: false, code: 'untrusted' });
    }
    // The same signature over an organisation certificate's bytes does not pass as a log certificate, nor the reverse.
    const org = ca.org('kela');
    expect(verifyLogCertificate(ca.root.pub, { body, signature: org.cert.signature }, T0)).toMatchObject({ ok: false, code: 'untrusted' });
    const orgBody = { t: 'org', v: 1, orgId: 'kela', name: 'Kela', orgKey: org.key.b64, notBefore: body.notBefore, notAfter: body.notAfter } as const;
    expect(verifyCertificateSignature(signCertificate(orgBody, ca.root.priv), ca.root.pub)).toBe(true);
    expect(verifyCertificateSignature({ body: orgBody, signature: cert.signature }, ca.root.pub)).toBe(false);
  });

  it('are malformed when they do not parse, never a throw', () => {
    const cert = signLogCertificate(body, ca.root.priv);
    const bad: unknown[] = [
      null, 'x', {}, { ...cert, extra: 1 }, { ...cert, body: { ...cert.body, t: 'org' } }, { ...cert, body: { ...cert.body, logKey: ca.root.b64 } },
      { ...cert, body: { ...cert.body, notAfter: cert.body.notBefore } }, { ...cert, body: { ...cert.body, notAfter: cert.body.notBefore + 11 * YEAR } },
      { ...cert, signature: toBase64(new Uint8Array(63)) },
      new Proxy({}, { get: () => { throw new Error('trap'); } }),
    ];
    for (const value of bad) expect(verifyLogCertificate(ca.root.pub, value, T0)).toMatchObject({ ok: false, code: 'malformed' });
    expect(verifyLogCertificate(new Uint8Array(3), cert, T0)).toMatchObject({ ok: false, code: 'untrusted' });
  });

  it('refuse to sign a body that would not parse', () => {
    expect(() => signLogCertificate({ ...body, notAfter: body.notBefore - 1 }, ca.root.priv)).toThrow(RangeError);
    expect(() => signLogCertificate({ ...body, logKey: 'AAAA' }, ca.root.priv)).toThrow(RangeError);
  });
});
