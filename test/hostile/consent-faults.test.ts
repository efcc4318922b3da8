/**
 * A hostile server hides the client's consent answer from one member (issue 13). The
 * answer leaves an organisation out and so removes its professional; the victim, kept on
 * the chain before it, would still count her a member. He is caught: the client's new
 * epoch key names a chain he cannot verify (chain_invalid), his member list and keys stay
 * as he verified them (the removed member gets no key from anyone), and once the relay is
 * honest he converges by himself on the chain where she is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '@yhteispoyta/agent/api/test-agent.testkit';
import { FaultMatrix, formatMatrix } from './fault-matrix';
import { CAST, HostileWorld, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';
import { runTrial } from './trial.testkit';

const matrix = new FaultMatrix('consent-faults');
let world: HostileWorld;
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
}, 180_000);

afterAll(async () => {
  const rows = matrix.write();
  process.stdout.write(`\nfault matrix (all parts so far)\n${formatMatrix(rows)}\n`);
  await world?.close();
});

describe('consent answers a server hides', () => {
  it("truncate_chain at the client's answer: the member kept before it refuses the next key and converges after", () =>
    runTrial(matrix, world.relay, 'truncate_chain', async (t) => {
      // Anna (Kela) is in the case before the client joins: outside any consent of his.
      const ws = await world.workspace('sini', ['carl', 'anna']);
      const invited = await callJson(sini.api, 'POST', `/api/workspaces/${ws}/invitations`, { displayName: 'Bea Asiakas' });
      expect(invited.status).toBe(201);
      const { code, userId } = (invited.body as { invitation: { code: string; userId: string } }).invitation;
      const bea = await world.enrolAgent('bea', userId, code);
      await until('bea holds the case key', async () => (await bea.certification()).state === 'certified' && bea.epoch(ws) !== undefined, 60_000);
      await until('carl sees bea', async () => (await carl.members(ws)).includes(userId), 30_000);
      const outside = (await callJson(carl.api, 'GET', `/api/workspaces/${ws}/members`)).body as { members: { userId: string; outsideConsent?: boolean }[] };
      expect(outside.members.filter((m) => m.outsideConsent === true).map((m) => m.userId).sort()).toEqual([sini.userId, carl.userId, anna.userId].sort());

      const head = carl.session().keys.chainState(ws)?.seq ?? -1;
      const membersBefore = await carl.members(ws);
      const epoch = carl.epoch(ws) ?? 0;
      const mark = await carl.mark();
      const fault = world.relay.arm({ type: 'truncate_chain', victim: 'carl', workspaceId: ws, fromSeq: head + 1 });
      // The client's answer: the county only. Anna leaves with it; bea's agent rotates the key.
      const granted = await callJson(bea.api, 'POST', `/api/workspaces/${ws}/consent`, { orgIds: [world.orgs.county.orgId], purpose: 'Asiakassuunnitelma' });
      expect(granted.status).toBe(200);
      expect((granted.body as { workspace: { members: { userId: string }[] } }).workspace.members.map((m) => m.userId)).not.toContain(anna.userId);

      const problem = await carl.awaitProblem(mark, ['chain_invalid']);
      t.detected = problem !== undefined && problem.workspaceId === ws;
      t.note('chain_invalid: the client sent the next epoch key, the served chain stops before the consent answer');
      expect(t.detected).toBe(true);
      // Carl's view stays what he verified: he neither drops nor re-admits anyone on the server's word.
      expect(await carl.members(ws)).toEqual(membersBefore);
      expect(carl.epoch(ws)).toBe(epoch);
      t.count(fault);

      world.relay.honest();
      await until('carl sees the answer', async () => !(await carl.members(ws)).includes(anna.userId), 30_000);
      await until('carl holds the new key', () => (carl.epoch(ws) ?? 0) > epoch && carl.epoch(ws) === sini.epoch(ws), 30_000);
      const seen = (await callJson(carl.api, 'GET', `/api/workspaces/${ws}/members`)).body as { members: { outsideConsent?: boolean }[] };
      expect(seen.members.some((m) => m.outsideConsent === true)).toBe(false);
      // Anna never got the key written under after the answer.
      expect(anna.epoch(ws)).toBe(epoch);
      await sini.write(ws, 'Suunnitelma jatkuu.');
      await world.converged(ws, ['sini', 'carl', 'bea']);
      t.recovered = true;
      t.note('recovered by the chain re-sync after the refusal');
    }), 180_000);
});
