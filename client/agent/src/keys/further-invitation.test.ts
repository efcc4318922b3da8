/**
 * A client already enrolled joins a further case with another invitation code (issue 13),
 * against the real server with agents in this process: the second owner's agent checks his
 * proof and that he is the certified client with that very user key, certifies him in the
 * new case and adds him; both cases then hold him, named as each inviter typed. A used or
 * unknown code is refused with a clear code and changes nothing.
 */
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeysAgents } from './keys-agents.testkit';
import type { KeysAgent } from './keys-agents.testkit';
import type { Role } from '@yhteispoyta/crypto/types';
import { PrivateKey } from '@signalapp/libsignal-client';
import { enrolmentProof, parseOneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import { signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { redeemFurtherInvitation } from '../account/further-invitation';

type Agent = KeysAgent;

let world: KeysAgents;

beforeAll(async () => {
  world = await KeysAgents.start('yp-further-invitation-');
});

afterAll(async () => {
  await world?.close();
});

const startAgent = (name: string, code: string): Promise<Agent> => world.startAgent(name, code);
const professional = (name: string, orgId: string, role: Exclude<Role, 'client'>): Promise<Agent> => world.professional(name, orgId, role);

describe('a further invitation', () => {
  it('an enrolled client joins a second case of another owner with its code; both cases hold him under his one user id', async () => {
    const pia = await professional('Pia Nieminen', 'hyvinvointialue', 'social_worker');
    const kalle = await professional('Kalle Korhonen', 'kela', 'kela_expert');
    const { workspaceId: first } = await pia.core.membership.create('case', 'Pian asiakkuus');
    const invitation = await pia.core.membership.inviteClient(first, 'Matti Meikäläinen');
    const matti = await startAgent('matti', invitation.code);
    await waitUntil('matti certified', () => matti.core.devices.certification().state === 'certified');
    await waitUntil('matti is in his first case', () => matti.core.keyRing.chainState(first) !== undefined);

    const { workspaceId: second } = await kalle.core.membership.create('case', 'Kelan asiakkuus');
    const further = await kalle.core.membership.inviteClient(second, 'Matti M.');
    const joined = await redeemFurtherInvitation(matti.device, further.code);
    expect(joined).toEqual({ ok: true, workspaceId: second });

    const mattiId = matti.device.self.userId;
    await waitUntil('kalle added matti himself', async () => {
      await kalle.core.sync.syncWorkspace(second);
      return kalle.core.keyRing.chainState(second)?.members.get(mattiId)?.devices.length === 1;
    });
    const state = kalle.core.keyRing.chainState(second);
    // The placeholder user the code created is gone; Matti is a client of both cases.
    expect(state?.members.has(further.userId)).toBe(false);
    expect(state?.members.get(mattiId)).toMatchObject({ role: 'client', owner: false });
    await waitUntil('matti holds the second case and its key', async () => {
      await matti.core.refresh();
      const held = matti.core.keyRing.chainState(second);
      return held !== undefined && matti.core.keyRing.epochKey(second, held.epoch) !== undefined;
    });
    expect(matti.core.keyRing.chainState(first)?.members.has(mattiId)).toBe(true);
    // Everyone's agent verifies him from certificates: one person, one key, a case per certificate.
    const person = kalle.core.identities.book.person(mattiId);
    expect(person?.kind === 'client' ? [...person.cases.keys()].sort() : []).toEqual([first, second].sort());
    expect(kalle.problems.filter((p) => p.code === 'enrolment_refused')).toEqual([]);
    // Matti's agent got the second case's key message with the client names in it: none for the code's placeholder was sent and refused.
    expect(matti.problems.filter((p) => p.message.includes('client name that was refused'))).toEqual([]);
  });

  it('a used or unknown code is refused with a clear code and nothing changes', async () => {
    const sari = await professional('Sari Virtanen', 'hyvinvointialue', 'social_worker');
    const { workspaceId: ws } = await sari.core.membership.create('case', 'Sarin asiakkuus');
    const first = await sari.core.membership.inviteClient(ws, 'Liisa Lahtinen');
    const liisa = await startAgent('liisa', first.code);
    await waitUntil('liisa certified', () => liisa.core.devices.certification().state === 'certified');
    const before = sari.core.keyRing.chainState(ws)?.seq;

    // Her own code again: used.
    expect(await redeemFurtherInvitation(liisa.device, first.code)).toMatchObject({ ok: false, code: 'code_refused' });
    // A well-formed code nobody registered: unknown.
    const unknown = first.code.replace(/^inv_[A-Za-z0-9_-]{4}/, 'inv_zzzz');
    expect(unknown).not.toBe(first.code);
    expect(await redeemFurtherInvitation(liisa.device, unknown)).toMatchObject({ ok: false, code: 'code_refused' });
    // Not a code at all, or a code for another deployment: refused before anything is sent.
    expect(await redeemFurtherInvitation(liisa.device, 'hello')).toMatchObject({ ok: false, code: 'bad_code' });
    const parts = first.code.split('.');
    const foreign = [parts[0], parts[1], 'A'.repeat(parts[2]?.length ?? 8)].join('.');
    expect(await redeemFurtherInvitation(liisa.device, foreign)).toMatchObject({ ok: false, code: expect.stringMatching(/root_mismatch|bad_code/) });
    // The local API's way in says the same with stable codes.
    await expect(liisa.core.membership.joinWithCode(first.code)).rejects.toMatchObject({ code: 'code_refused' });
    await expect(liisa.core.membership.joinWithCode('hello')).rejects.toMatchObject({ code: 'bad_code' });
    // A professional cannot use a client's code.
    const second = await sari.core.membership.inviteClient(ws, 'Toinen');
    expect(await redeemFurtherInvitation(sari.device, second.code)).toMatchObject({ ok: false, code: 'not_client' });
    await sari.core.sync.syncWorkspace(ws);
    // Nothing changed but the second invitation's own placeholder member.
    expect(sari.core.keyRing.chainState(ws)?.seq).toBe((before ?? 0) + 1);
    expect(sari.problems.filter((p) => p.code === 'enrolment_refused')).toEqual([]);
  });

  it('a further invitation redeemed under another user key than the client is certified with is refused by the owner\'s agent', async () => {
    const ulla = await professional('Ulla Salo', 'hyvinvointialue', 'social_worker');
    const { workspaceId: first } = await ulla.core.membership.create('case', 'Ullan asiakkuus');
    const toni = await startAgent('toni', (await ulla.core.membership.inviteClient(first, 'Toni')).code);
    await waitUntil('toni certified', () => toni.core.devices.certification().state === 'certified');
    const { workspaceId: second } = await ulla.core.membership.create('case', 'Ullan toinen asiakkuus');
    const further = await ulla.core.membership.inviteClient(second, 'Toni');
    // The server checks only that the certificate is this device's and signed by the key presented: a fresh key passes there.
    const code = parseOneTimeCode(further.code);
    if (code === undefined) throw new Error('code does not parse');
    const self = toni.device.self;
    const identityKey = toBase64(toni.device.identityPublicKey.serialize());
    const otherKey = PrivateKey.generate();
    const userKey = toBase64(toBytes(otherKey.getPublicKey().serialize()));
    const deviceCertificate = signCertificate({ t: 'device', v: 1, userId: self.userId, deviceId: self.deviceId, identityKey, created: Date.now() }, otherKey);
    const proof = enrolmentProof(code.secret, { codeId: code.codeId, deviceId: self.deviceId, identityKey, userKey });
    await toni.device.rest.call('redeemInvitation', { body: { codeId: code.codeId, userKey, deviceCertificate, proof } });
    await waitUntil('ulla refused it', () => ulla.problems.some((p) => p.code === 'enrolment_refused' && p.workspaceId === second));
    await ulla.core.sync.syncWorkspace(second);
    expect(ulla.core.keyRing.chainState(second)?.members.has(self.userId)).toBe(false);
    const person = ulla.core.identities.book.person(self.userId);
    expect(person?.kind === 'client' ? [...person.cases.keys()] : []).toEqual([first]);
  });

});
