import { PrivateKey } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { canonicalJson, toBase64, utf8 } from '../bytes';
import { TestAuthority, YEAR, testKey } from './authority.testkit';
import { parseCertificate } from './schema';
import {
  CERTIFICATE_CONTEXTS,
  certificateBodyJson,
  certificateId,
  certificateJson,
  certificateSigningBytes,
  identityKeyHash,
  signCertificate,
  verifyCertificateSignature,
} from './signing';
import type { Certificate, CertificateBody } from './types';

const ca = new TestAuthority();
const kela = ca.org('kela', { name: 'Kela' });
const maija = ca.professional(kela, 'maija', { role: 'kela_expert', displayName: 'Maija Meikäläinen' });
const laptop = ca.device(maija, 1);

/** Every certificate type, signed by whom it must be. */
function everyType(): { cert: Certificate; signer: Uint8Array }[] {
  const client = ca.client(laptop, 'matti', 'ws-1');
  return [
    { cert: kela.cert, signer: ca.root.pub },
    { cert: maija.cert, signer: kela.key.pub },
    { cert: laptop.cert, signer: maija.userKey.pub },
    { cert: client.cert, signer: laptop.key.pub },
    { cert: ca.revokeUser(kela, maija, 1), signer: kela.key.pub },
    { cert: ca.revokeDevice(maija, laptop), signer: maija.userKey.pub },
  ];
}

/** Replace one leaf value of a JSON body (strings get a character changed, numbers +1, objects recurse into their first key). */
function mutatedBodies(body: CertificateBody): CertificateBody[] {
  const json = certificateBodyJson(body);
  const out: CertificateBody[] = [];
  for (const key of Object.keys(json)) {
    if (key === 't' || key === 'v') continue;
    const value = json[key];
    let changed: unknown;
    if (typeof value === 'number') changed = value + 1;
    else if (typeof value === 'string') changed = /^[0-9a-f]{64}$/.test(value) ? `${value.slice(0, -1)}${value.endsWith('0') ? '1' : '0'}` : `${value}x`;
    else if (key === 'invitedBy') changed = { ...(value as object), deviceId: 2 };
    else continue;
    out.push({ ...json, [key]: changed } as unknown as CertificateBody);
  }
  return out;
}

describe('certificate signatures', () => {
  it('verify with the signer of their type and with no other key', () => {
    for (const { cert, signer } of everyType()) {
      expect(verifyCertificateSignature(cert, signer), cert.body.t).toBe(true);
      expect(verifyCertificateSignature(cert, testKey().pub), cert.body.t).toBe(false);
      expect(verifyCertificateSignature(cert, new Uint8Array(33)), cert.body.t).toBe(false);
    }
  });

  it('fail when any field of the body changes', () => {
    for (const { cert, signer } of everyType()) {
      const variants = mutatedBodies(cert.body);
      expect(variants.length, cert.body.t).toBeGreaterThan(2);
      for (const body of variants) {
        expect(verifyCertificateSignature({ ...cert, body } as Certificate, signer), JSON.stringify(body)).toBe(false);
      }
    }
  });

  it('fail when a bit of the signature flips', () => {
    const bytes = Buffer.from(laptop.cert.signature, 'base64');
    for (let i = 0; i < bytes.length; i += 7) {
      const flipped = Buffer.from(bytes);
      flipped[i] = (flipped[i] ?? 0) ^ 1;
      expect(verifyCertificateSignature({ ...laptop.cert, signature: flipped.toString('base64') }, maija.userKey.pub)).toBe(false);
    }
  });

  it('are bound to their type: the same signature under another context never verifies', () => {
    // A device certificate body signed as if it were a user certificate (wrong context).
    const body = laptop.cert.body;
    const forged = toBase64(maija.userKey.priv.sign(utf8(CERTIFICATE_CONTEXTS.user + canonicalJson(certificateBodyJson(body)))));
    expect(verifyCertificateSignature({ body, signature: forged }, maija.userKey.pub)).toBe(false);
    // Signing bytes of every type start with their own context.
    for (const { cert } of everyType()) {
      expect(Buffer.from(certificateSigningBytes(cert.body)).toString('utf8').startsWith(CERTIFICATE_CONTEXTS[cert.body.t])).toBe(true);
    }
    expect(new Set(Object.values(CERTIFICATE_CONTEXTS)).size).toBe(Object.keys(CERTIFICATE_CONTEXTS).length);
  });

  it('signCertificate refuses what no verifier would parse', () => {
    const key = PrivateKey.generate();
    expect(() => signCertificate({ ...laptop.cert.body, deviceId: 0 }, key)).toThrow(RangeError);
    expect(() => signCertificate({ ...kela.cert.body, notAfter: kela.cert.body.notBefore }, key)).toThrow(RangeError);
    expect(() => signCertificate({ ...kela.cert.body, notAfter: kela.cert.body.notBefore + 11 * YEAR }, key)).toThrow(RangeError);
    const userBody = maija.cert.body;
    if (userBody.t !== 'user') throw new Error('unreachable');
    expect(() => signCertificate({ ...userBody, displayName: 'a\u202Eb' }, key)).toThrow(RangeError);
  });

  it('ids are stable over a JSON round trip and differ between certificates', () => {
    const again = parseCertificate(JSON.parse(JSON.stringify(certificateJson(laptop.cert))));
    expect(again.ok && certificateId(again.certificate)).toBe(certificateId(laptop.cert));
    expect(certificateId(laptop.cert)).not.toBe(certificateId(ca.device(maija, 1).cert));
    expect(identityKeyHash(laptop.key.pub)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('parseCertificate', () => {
  it('accepts every type and is strict', () => {
    for (const { cert } of everyType()) {
      const json = JSON.parse(JSON.stringify(cert)) as { body: Record<string, unknown>; signature: string };
      expect(parseCertificate(json).ok).toBe(true);
      expect(parseCertificate({ ...json, extra: 1 }).ok).toBe(false);
      expect(parseCertificate({ ...json, body: { ...json.body, extra: 1 } }).ok).toBe(false);
      expect(parseCertificate({ ...json, body: { ...json.body, v: 2 } }).ok).toBe(false);
      expect(parseCertificate({ ...json, signature: 'AAAA' }).ok).toBe(false);
    }
  });

  it('never throws on hostile values', () => {
    const hostile: unknown[] = [
      null, undefined, 1, 'x', [], {}, { body: null, signature: null },
      { body: { t: 'org', v: 1, orgId: 'o', name: 'n', orgKey: 'not-a-key', notBefore: 0, notAfter: 1 }, signature: toBase64(new Uint8Array(64)) },
      { body: { t: 'device', v: 1, userId: 'u', deviceId: 1, identityKey: toBase64(new Uint8Array(33)), created: 0 }, signature: toBase64(new Uint8Array(64)) },
      { body: { ...laptop.cert.body, deviceId: 1.5 }, signature: laptop.cert.signature },
      { body: { ...laptop.cert.body, created: Number.NaN }, signature: laptop.cert.signature },
      new Proxy({}, { get() { throw new Error('boom'); } }),
    ];
    for (const value of hostile) expect(parseCertificate(value).ok).toBe(false);
  });
});
