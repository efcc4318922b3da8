/**
 * A client cannot create workspaces (issue 15, point 2). The review found a client with only
 * an invitation code creating a "case", consenting for himself and adding a professional he
 * had never dealt with, whose list then showed a phishing label. Now the server refuses such
 * a chain (it runs the same rules as the agents), and — what matters when the server is the
 * adversary — when the operator writes the client's chain into its own store past every
 * check and points the professional's agent at it, the agent refuses the chain: the
 * workspace appears neither among his workspaces nor as an invitation, and he is told.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '@yhteispoyta/agent/api/test-agent.testkit';
import type { Device } from '@yhteispoyta/agent/account/device';
import { RestError } from '@yhteispoyta/agent/contracts';
import { identityKeyHash } from '@yhteispoyta/crypto/certificates/signing';
import { GENESIS_PREV_HASH, eventHash, signEvent } from '@yhteispoyta/crypto/membership';
import type { ChainState, UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import { rememberChainState } from '@yhteispoyta/server/services/chain-cache';
import type { MemberInfo, MembershipEvent } from '@yhteispoyta/crypto/types';
import { newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';
import { CAST, HostileWorld, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';

const PHISHING = 'KELA: tunnuksesi vanhenee – kirjaudu https://kela-tunnistus.example';
let world: HostileWorld;
let sini: WorldAgent;
let anna: WorldAgent;
let matti: WorldAgent;
let caseId: string;

beforeAll(async () => {
  world = await HostileWorld.start({
    agents: [CAST.sini, CAST.anna],
  });
  sini = world.agent('sini');
  anna = world.agent('anna');
  // Matti is a client: Sini created his case and invited him; he enrolled with the code.
  const created = await callJson(sini.api, 'POST', '/api/workspaces', { kind: 'case', label: 'Matin asiakkuus' });
  caseId = (created.body as { workspace: { workspaceId: string } }).workspace.workspaceId;
  const invited = await callJson(sini.api, 'POST', `/api/workspaces/${caseId}/invitations`, { displayName: 'Matti Meikäläinen' });
  const invitation = (invited.body as { invitation: { code: string; userId: string } }).invitation;
  matti = await world.enrolAgent('matti', invitation.userId, invitation.code);
  await until('matti is certified and in his case', async () => (await matti.certification()).state === 'certified' && matti.epoch(caseId) !== undefined, 60_000);
}, 180_000);

afterAll(async () => {
  await world?.close();
});

/** The chain device entry of an agent's own device. */
function memberOf(agent: WorldAgent, orgId: string, role: MemberInfo['role'], owner: boolean): MemberInfo {
  const device = agent.session().device;
  return { userId: device.self.userId, orgId, role, owner, devices: [{ deviceId: device.self.deviceId, keyHash: identityKeyHash(device.identityPublicKey.serialize()) }] };
}

/** An event signed by matti's own device (the client's real key: only the rules can refuse it). */
function byMatti<T extends MembershipEvent['type']>(unsigned: Omit<UnsignedMembershipEvent<T>, 'author'>): MembershipEvent<T> {
  const device = matti.session().device;
  return signEvent<T>({ ...unsigned, author: device.self } as UnsignedMembershipEvent<T>, device.identityKey);
}

describe('a workspace a client created', () => {
  it('is refused by his own agent and by the server', async () => {
    const refused = await callJson(matti.api, 'POST', '/api/workspaces', { kind: 'case', label: PHISHING });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    // His device asks the server itself, with a correctly signed event: the server's rules refuse it.
    const create = byMatti<'create'>({
      workspaceId: 'clientmadeAAAAAAAAAAAA',
      seq: 0,
      prevHash: GENESIS_PREV_HASH,
      type: 'create',
      payload: { kind: 'case', labelCommitment: textCommitment('label', PHISHING, newTextSalt()), creator: memberOf(matti, 'clients', 'client', true) },
      at: Date.now(),
    });
    const error = await (matti.session().device as Device).rest.call('createWorkspace', { body: { event: create } }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).code).toBe('forbidden');
  });

  it('that the operator writes into its store past every check is refused by the professional\'s agent: no workspace, no invitation, a problem', async () => {
    const store = world.server.ctx.store;
    const workspaceId = 'clientmadeBBBBBBBBBBBB';
    const mattiInfo = memberOf(matti, 'clients', 'client', true);
    const annaInfo = memberOf(anna, world.orgs.kela.orgId, 'kela_expert', false);
    const create = byMatti<'create'>({
      workspaceId,
      seq: 0,
      prevHash: GENESIS_PREV_HASH,
      type: 'create',
      payload: { kind: 'case', labelCommitment: textCommitment('label', PHISHING, newTextSalt()), creator: mattiInfo },
      at: Date.now(),
    });
    const add = byMatti<'add_member'>({ workspaceId, seq: 1, prevHash: eventHash(create), type: 'add_member', payload: { member: annaInfo }, at: Date.now() });
    const mark = await anna.mark();
    expect((await store.workspaces.createWorkspace({ id: workspaceId, kind: 'case', createdAt: Date.now() })).ok).toBe(true);
    expect((await store.workspaces.appendMembershipEvent(workspaceId, { event: create, hash: eventHash(create) }, 0, '0'.repeat(64))).ok).toBe(true);
    expect((await store.workspaces.appendMembershipEvent(workspaceId, { event: add, hash: eventHash(add) }, 1, eventHash(create))).ok).toBe(true);
    expect((await store.workspaces.setMembershipView(workspaceId, { asOfSeq: 1, members: [mattiInfo, annaInfo] })).ok).toBe(true);
    // Its own server would refuse to serve the chain (it replays with the agents' rules): the
    // operator's server believes the state it is handed instead, as a modified server would.
    const template = sini.session().keys.chainState(caseId);
    if (template === undefined) throw new Error('sini holds no chain to copy the shape of');
    const devices = [anna.ref, matti.ref].sort((a, b) => (a.userId < b.userId ? -1 : 1));
    const forged: ChainState = {
      ...template,
      workspaceId,
      kind: 'case',
      seq: 1,
      headHash: eventHash(add),
      epoch: 1,
      members: new Map([[mattiInfo.userId, mattiInfo], [annaInfo.userId, annaInfo]]),
      devices,
      consent: null,
      consentAnswered: false,
      closed: false,
      rotationRequired: false,
    };
    rememberChainState(world.server.ctx, forged);
    world.server.ctx.hub.emit('membership', { workspaceId, seq: 1, removed: [], members: [matti.ref, anna.ref] });

    const problem = await anna.awaitProblem(mark, ['chain_invalid'], 30_000);
    expect(problem?.workspaceId).toBe(workspaceId);
    // The chain rule itself refuses it (his client certificate, naming his own case, would too).
    expect(problem?.message).toContain('a client cannot create a workspace');

    expect(anna.session().keys.chainState(workspaceId)).toBeUndefined();
    const listed = await callJson(anna.api, 'GET', '/api/workspaces');
    expect((listed.body as { workspaces: { workspaceId: string }[] }).workspaces.map((w) => w.workspaceId)).not.toContain(workspaceId);
    const invitations = await callJson(anna.api, 'GET', '/api/invitations');
    expect(invitations).toMatchObject({ status: 200, body: { invitations: [] } });
  });
});
