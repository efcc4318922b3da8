/**
 * The statutory basis of a member (record_basis, issue 13) under a hostile operator. A basis
 * keeps a professional in a case whatever the client's consent says, so the operator would
 * like to move one onto another person, swap its text, or have a non-owner record one. The
 * event is signed and the basis text only a commitment in it: an altered event is refused
 * by every agent that is served it (chain_invalid, nothing applied), and so is a
 * record_basis a non-owner's device signed, slipped in past the server's checks; once the
 * relay is honest they converge on the genuine chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '@yhteispoyta/agent/api/test-agent.testkit';
import { eventHash, signEvent } from '@yhteispoyta/crypto/membership';
import type { UnsignedMembershipEvent } from '@yhteispoyta/crypto/membership';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import { newTextSalt, textCommitment } from '@yhteispoyta/crypto/workspace-texts';
import { FaultMatrix, formatMatrix } from './fault-matrix';
import { CAST, HostileWorld, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';
import { runTrial } from './trial.testkit';

const STATUTE = 'Sosiaalihuoltolaki (1301/2014) 42 § – omatyöntekijä';
const matrix = new FaultMatrix('basis-faults');
let world: HostileWorld;
let ws: string;
let sini: WorldAgent;
let carl: WorldAgent;
let anna: WorldAgent;

beforeAll(async () => {
  world = await HostileWorld.start({
    agents: [CAST.sini, CAST.carl, CAST.anna],
  });
  sini = world.agent('sini');
  carl = world.agent('carl');
  anna = world.agent('anna');
  ws = await world.workspace('sini', ['carl', 'anna']);
}, 180_000);

afterAll(async () => {
  const rows = matrix.write();
  process.stdout.write(`\nfault matrix (all parts so far)\n${formatMatrix(rows)}\n`);
  await world?.close();
});

const seqOf = (agent: WorldAgent): number | undefined => agent.session().keys.chainState(ws)?.seq;
const basisOf = (agent: WorldAgent, userId: string) => agent.session().keys.chainState(ws)?.bases.get(userId);

describe('a statutory basis the operator tampers with', () => {
  it("alter_basis: a recorded basis moved to another member or given another text is refused by every agent served it", () =>
    runTrial(matrix, world.relay, 'alter_basis', async (t) => {
      const before = seqOf(sini) ?? -1;
      const marks = { carl: await carl.mark(), anna: await anna.mark() };
      const isBasis = (e: MembershipEvent): boolean => e.type === 'record_basis' && e.seq === before + 1;
      // Carl is served the basis moved onto Sini; Anna the same event with another statute.
      const moved = world.relay.arm({
        type: 'alter_chain_event', victim: 'carl', workspaceId: ws, select: isBasis,
        alter: (e) => ({ ...e, payload: { ...e.payload, userId: sini.userId } }),
      });
      const otherText = textCommitment('basis', 'Lastensuojelulaki (417/2007)', newTextSalt());
      const swapped = world.relay.arm({
        type: 'alter_chain_event', victim: 'anna', workspaceId: ws, select: isBasis,
        alter: (e) => ({ ...e, payload: { ...e.payload, basisCommitment: otherText } }),
      });
      const recorded = await callJson(sini.api, 'PUT', `/api/workspaces/${ws}/members/${carl.userId}/basis`, { basis: STATUTE });
      expect(recorded.status).toBe(200);
      expect(basisOf(sini, carl.userId)).toBeDefined();

      const problems = await Promise.all([carl.awaitProblem(marks.carl, ['chain_invalid']), anna.awaitProblem(marks.anna, ['chain_invalid'])]);
      t.detected = problems.every((p) => p?.workspaceId === ws);
      t.note('chain_invalid (bad_signature) at the next chain sync');
      expect(t.detected).toBe(true);
      // Nothing of the altered event was applied.
      for (const agent of [carl, anna]) {
        expect(seqOf(agent)).toBe(before);
        expect(agent.session().keys.chainState(ws)?.bases.size).toBe(0);
      }
      t.count(moved, swapped);

      world.relay.honest();
      for (const agent of [carl, anna]) {
        await until(`${agent.name} holds the genuine basis`, () => basisOf(agent, carl.userId)?.commitment === basisOf(sini, carl.userId)?.commitment, 30_000);
      }
      expect(basisOf(anna, sini.userId)).toBeUndefined();
      t.recovered = true;
      t.note('recovered by the chain re-sync after the refusal');
    }), 120_000);

  it('forge_basis: a record_basis signed by a member who is no owner, slipped past the server, is refused by every agent served it', () =>
    runTrial(matrix, world.relay, 'forge_basis', async (t) => {
      const head = sini.session().keys.chainState(ws);
      if (head === undefined) throw new Error('sini holds no chain');
      // Carl's own device signs a basis for himself: a real signature, only the rules can refuse it.
      const device = carl.session().device;
      const unsigned = {
        workspaceId: ws, seq: head.seq + 1, prevHash: head.headHash, type: 'record_basis',
        payload: { userId: carl.userId, basisCommitment: textCommitment('basis', 'Lastensuojelulaki (417/2007)', newTextSalt()) },
        author: device.self, at: Date.now(),
      } as UnsignedMembershipEvent<'record_basis'>;
      const forged = signEvent(unsigned, device.identityKey);
      expect(eventHash(forged)).toMatch(/^[0-9a-f]{64}$/);
      const marks = { sini: await sini.mark(), anna: await anna.mark() };
      const faults = ['sini', 'anna'].map((victim) => world.relay.arm({ type: 'inject_chain_event', victim, workspaceId: ws, event: forged }));
      world.relay.reconnect('sini');
      world.relay.reconnect('anna');

      const problems = await Promise.all([sini.awaitProblem(marks.sini, ['chain_invalid']), anna.awaitProblem(marks.anna, ['chain_invalid'])]);
      t.detected = problems.every((p) => p?.workspaceId === ws);
      t.note('chain_invalid (forbidden: record_basis is for owners)');
      expect(t.detected).toBe(true);
      for (const agent of [sini, anna]) expect(seqOf(agent)).toBe(head.seq);
      t.count(...faults);

      world.relay.honest();
      // The genuine chain goes on: Sini withdraws Carl's basis (Carl stays: no client has answered).
      const withdrawn = await callJson(sini.api, 'PUT', `/api/workspaces/${ws}/members/${carl.userId}/basis`, { basis: null });
      expect(withdrawn.status).toBe(200);
      await until('anna follows the genuine chain', () => seqOf(anna) === seqOf(sini) && basisOf(anna, carl.userId) === undefined, 30_000);
      t.recovered = true;
      t.note('recovered: the next genuine event is served and verified');
    }), 120_000);

  it('refuses bad input at the local API with a code, appending nothing', async () => {
    const before = seqOf(sini);
    const tooLong = await callJson(sini.api, 'PUT', `/api/workspaces/${ws}/members/${carl.userId}/basis`, { basis: 'x'.repeat(301) });
    expect(tooLong).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    const notOwn = await callJson(sini.api, 'PUT', `/api/workspaces/${ws}/members/${anna.userId}/basis`, { basis: STATUTE });
    expect(notOwn).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const notOwner = await callJson(carl.api, 'PUT', `/api/workspaces/${ws}/members/${carl.userId}/basis`, { basis: STATUTE });
    expect(notOwner).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(seqOf(sini)).toBe(before);
  });
});
