/**
 * The shared testkit helper itself: every device it makes is one an agent would accept —
 * its person verifies with crypto's verifyPerson against the deployment root from the
 * bundle the server hands out, with exactly the devices made so far — and a code issued
 * for a real agent is certified the way the admin tool does it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKey } from '@yhteispoyta/crypto/certificates/authority.testkit';
import { parseOneTimeCode, userIdForCode } from '@yhteispoyta/crypto/certificates/codes';
import { verifyPerson } from '@yhteispoyta/crypto/certificates/person';
import { signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { queryCertificatesResponseSchema } from '@yhteispoyta/crypto/protocol';
import { call, createWorkspace, expectLogsFreeOfSecrets, startApiServer } from './api.testkit';
import type { ApiServer, TestDevice } from './api.testkit';
import {
  deploymentOf,
  enrol,
  enrolBody,
  enrolCertifiedDevice,
  freshUpload,
  inviteCertifiedClient,
  issueProfessionalCode,
  linkCertifiedDevice,
} from './certified.testkit';

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  expectLogsFreeOfSecrets(server);
  await server.close();
});

async function verified(asker: TestDevice, userId: string) {
  const answer = await call(server, 'POST', '/v1/certificates/query', { token: asker.token, json: { userIds: [userId] } });
  const { certificates } = queryCertificatesResponseSchema.parse(answer.body);
  return verifyPerson({ root: deploymentOf(server).authority.root.pub, userId, certificates, now: Date.now() });
}

describe('certified devices in one line', () => {
  it('makes professionals, their further devices and invited clients that verify from the root', async () => {
    const anna = await enrolCertifiedDevice(server, { orgId: 'kela', role: 'kela_expert', displayName: 'Anna' });
    const phone = await linkCertifiedDevice(server, anna);
    const bob = await enrolCertifiedDevice(server, { orgId: 'kela' });
    const annaPerson = await verified(bob, anna.ref.userId);
    expect(annaPerson).toMatchObject({ ok: true, person: { kind: 'professional', orgId: 'kela', role: 'kela_expert', displayName: 'Anna' } });
    if (annaPerson.ok) expect(annaPerson.person.devices.map((d) => [d.deviceId, d.keyHash])).toEqual([[1, anna.keyHash], [2, phone.keyHash]]);
    const workspaceId = await createWorkspace(server, anna, 'case');
    const client = await inviteCertifiedClient(server, anna, workspaceId);
    expect(await verified(bob, client.ref.userId)).toMatchObject({ ok: true, person: { kind: 'client', workspaceId, invitedBy: anna.ref } });
    expect(client).toMatchObject({ orgId: 'clients', role: 'client' });
  });

  it('issues a code a real agent redeems, and certifies the agent as the admin tool does', async () => {
    const issued = await issueProfessionalCode(server, { orgId: 'kela', role: 'teacher' });
    const code = parseOneTimeCode(issued.code);
    if (code === undefined) throw new Error('the issued code does not parse');
    expect(issued.userId).toBe(userIdForCode(code.codeId));
    await expect(issued.certify()).rejects.toThrow(/no pending enrolment/);
    // What an agent does with the code: its own user key and device certificate, the proof.
    const { upload } = freshUpload(1);
    const userKey = testKey();
    const deviceCertificate = signCertificate({ t: 'device', v: 1, userId: issued.userId, deviceId: 1, identityKey: upload.identityKey, created: Date.now() }, userKey.priv);
    await enrol(server, enrolBody(code, upload, { userKey: userKey.b64, deviceCertificate }), upload);
    await issued.certify();
    const asker = await enrolCertifiedDevice(server, { orgId: 'kela' });
    expect(await verified(asker, issued.userId)).toMatchObject({ ok: true, person: { role: 'teacher', devices: [{ deviceId: 1 }] } });
  });
});
