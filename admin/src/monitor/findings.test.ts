import { PrivateKey } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { signCertificate } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';
import { newOrganisation } from '../organisation';
import { orgPrivateKey, parseOrgState } from '../org-state';
import type { OrgState } from '../org-state';
import { createRoot } from '../root-key';
import { monitorOrganisation } from './findings';

const T = 1_760_000_000_000;
const YEAR = 365 * 24 * 3600 * 1000;
const b64 = (key: PrivateKey): string => toBase64(toBytes(key.getPublicKey().serialize()));

const root = createRoot();
const kela = newOrganisation({ root, name: 'Kela', now: T });
const sote = newOrganisation({ root, name: 'Hyvinvointialue', now: T });
const kelaKey = orgPrivateKey(kela);

function userCertificate(orgId: string, userId: string, serial: number, signer: PrivateKey, userKey = PrivateKey.generate()) {
  const cert = signCertificate({
    t: 'user', v: 1, userId, orgId, role: 'kela_expert', displayName: `Henkilö ${userId}`, userKey: b64(userKey), notBefore: T, notAfter: T + YEAR, serial,
  }, signer);
  return { cert, userKey };
}
const device = (userId: string, deviceId: number, signer: PrivateKey): Certificate =>
  signCertificate({ t: 'device', v: 1, userId, deviceId, identityKey: b64(PrivateKey.generate()), created: T }, signer);

// Maija was certified (serial 1); Eino has a code and is not certified yet.
const maija = userCertificate(kela.orgId, 'u_maija', 1, kelaKey);
const state: OrgState = parseOrgState({
  ...kela,
  codes: {
    enr_maijamaija12: { role: 'kela_expert', displayName: 'Henkilö u_maija', userId: 'u_maija', issuedAt: T, expiresAt: T + 1000, certifiedAt: T },
    enr_einoeinoeino: { role: 'teacher', displayName: 'Eino', userId: 'u_eino', issuedAt: T, expiresAt: T + 1000, secret: toBase64(new Uint8Array(16)) },
  },
  users: { u_maija: { role: 'kela_expert', displayName: 'Henkilö u_maija', serials: [1], revokedSerials: [1] } },
  nextSerial: 2,
});
const maijaLaptop = device('u_maija', 1, maija.userKey);
const revocation = signCertificate({ t: 'user_revocation', v: 1, orgId: kela.orgId, userId: 'u_maija', serial: 1, revokedAt: T + 5 }, kelaKey);
const laptopRevoked = signCertificate({ t: 'device_revocation', v: 1, userId: 'u_maija', deviceId: 1, identityKey: maijaLaptop.body.t === 'device' ? maijaLaptop.body.identityKey : '', revokedAt: T + 5 }, maija.userKey);
const soteWorker = userCertificate(sote.orgId, 'u_sote', 1, orgPrivateKey(sote));

const indexed = (certificates: readonly Certificate[]) => certificates.map((certificate, index) => ({ index, certificate }));

describe('the organisation monitor', () => {
  it('lists every certificate naming the organisation, in log order, and flags none it issued', () => {
    const log = indexed([kela.certificate as Certificate, sote.certificate as Certificate, maija.cert, soteWorker.cert, maijaLaptop, device('u_sote', 1, soteWorker.userKey), revocation, laptopRevoked]);
    const listed = monitorOrganisation(state, log);
    expect(listed.map((c) => [c.index, c.type, c.userId ?? c.type])).toEqual([
      [0, 'org', 'org'], [2, 'user', 'u_maija'], [4, 'device', 'u_maija'], [6, 'user_revocation', 'u_maija'], [7, 'device_revocation', 'u_maija'],
    ]);
    expect(listed.filter((c) => c.finding !== undefined)).toEqual([]);
    expect(listed[1]).toMatchObject({ serial: 1, displayName: 'Henkilö u_maija', role: 'kela_expert' });
    // A device certificate before its person's user certificate is judged the same.
    expect(monitorOrganisation(state, indexed([maijaLaptop, maija.cert])).map((c) => c.finding)).toEqual([undefined, undefined]);
  });

  it('flags what the organisation did not issue, each with its reason', () => {
    const stranger = PrivateKey.generate();
    const rogue = userCertificate(kela.orgId, 'u_rogue', 1, kelaKey);
    const log = indexed([
      kela.certificate as Certificate,
      // an organisation certificate for our id with another key, signed by the root
      signCertificate({ t: 'org', v: 1, orgId: kela.orgId, name: 'Kela', orgKey: b64(stranger), notBefore: T, notAfter: T + YEAR }, root.privateKey),
      userCertificate(kela.orgId, 'u_maija', 1, stranger).cert,
      signCertificate({ t: 'user_revocation', v: 1, orgId: kela.orgId, userId: 'u_maija', serial: 1, revokedAt: T }, stranger),
      rogue.cert,
      userCertificate(kela.orgId, 'u_maija', 7, kelaKey).cert,
      device('u_maija', 2, stranger),
      device('u_rogue', 1, rogue.userKey),
      device('u_eino', 1, stranger),
      device('u_sote', 1, stranger),
    ]);
    const findings = monitorOrganisation(state, log).map((c) => [c.index, c.finding?.code]);
    expect(findings).toEqual([
      [0, undefined],
      [1, 'foreign_org_certificate'],
      [2, 'not_signed_by_org'],
      [3, 'not_signed_by_org'],
      [4, 'unknown_person'],
      [5, 'unknown_serial'],
      [6, 'not_signed_by_user'],
      [7, 'not_signed_by_user'],
      [8, 'not_signed_by_user'],
    ]);
  });
});
