/**
 * Membership and key faults of a hostile relay: a forked chain, a truncated chain, a
 * removal hidden from one member (with listings, join answers and notices made to
 * agree), and a prekey bundle swapped for the attacker's in a claim answer. The victim
 * reports the typed problem, its member list and keys are not changed by the fault, and
 * once the relay is honest every agent converges by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '@yhteispoyta/agent/api/test-agent.testkit';
import { deviceKey } from '@yhteispoyta/crypto/types';
import { FaultMatrix, formatMatrix } from './fault-matrix';
import { CAST, HostileWorld, sleep, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';
import { runTrial } from './trial.testkit';

const matrix = new FaultMatrix('membership-faults');
let world: HostileWorld;
let ws: string;
let anna: WorldAgent;
let sini: WorldAgent;
let words = 0;

beforeAll(async () => {
  world = await HostileWorld.start({
    agents: [CAST.anna, CAST.sini, CAST.carl, CAST.dora, CAST.erik],
  });
  anna = world.agent('anna');
  sini = world.agent('sini');
  ws = await world.workspace('anna', ['sini', 'carl']);
  await anna.write(ws, 'Tavoite:');
  await world.converged(ws, ['anna', 'sini', 'carl']);
}, 120_000);

afterAll(async () => {
  const rows = matrix.write();
  process.stdout.write(`\nfault matrix (all parts so far)\n${formatMatrix(rows)}\n`);
  await world?.close();
});

async function addMember(name: string): Promise<void> {
  const res = await callJson(anna.api, 'POST', `/api/workspaces/${ws}/members`, { userId: world.agent(name).userId });
  if (res.status !== 200) throw new Error(`adding ${name}: ${JSON.stringify(res.body)}`);
}

/** Whether every named agent lists the same members as anna. */
async function membersAgree(names: readonly string[]): Promise<boolean> {
  const expected = (await anna.members(ws)).join();
  const lists = await Promise.all(names.map((n) => world.agent(n).members(ws)));
  return lists.every((l) => l.join() === expected);
}

function word(): string {
  words += 1;
  return ` sana${words}`;
}

describe('membership faults', () => {
  it('fork_chain: a membership answer whose head differs from the verified one is refused as a fork', () =>
    runTrial(matrix, world.relay, 'fork_chain', async (t) => {
      const members = await sini.members(ws);
      const mark = await sini.mark();
      const fault = world.relay.arm({ type: 'fork_chain', victim: 'sini', workspaceId: ws });
      await addMember('dora');
      await fault.hit();
      const problem = await sini.awaitProblem(mark, ['chain_invalid']);
      t.detected = problem !== undefined && problem.workspaceId === ws;
      t.note('chain_invalid (fork) at the next chain sync');
      expect(t.detected).toBe(true);
      expect(await sini.members(ws)).toEqual(members);
      t.count(fault);
      world.relay.honest();
      await until('sini sees dora after the relay is honest', () => membersAgree(['sini', 'carl', 'dora']), 30_000);
      t.recovered = true;
      t.note('recovered by the chain re-sync after a refusal');
    }), 90_000);

  it('truncate_chain: a chain (and listing) ending before the head the device verified is refused as truncated', () =>
    runTrial(matrix, world.relay, 'truncate_chain', async (t) => {
      const members = await sini.members(ws);
      const head = sini.session().keys.chainState(ws)?.seq ?? 0;
      const mark = await sini.mark();
      const fault = world.relay.arm({ type: 'truncate_chain', victim: 'sini', workspaceId: ws, fromSeq: head });
      world.relay.reconnect('sini');
      const problem = await sini.awaitProblem(mark, ['chain_invalid']);
      t.detected = problem !== undefined && problem.workspaceId === ws;
      t.note('chain_invalid (truncated) at the next chain sync');
      expect(t.detected).toBe(true);
      expect(await sini.members(ws)).toEqual(members);
      expect(sini.session().keys.chainState(ws)?.seq).toBe(head);
      t.count(fault);
      world.relay.honest();
      await anna.write(ws, word());
      await world.converged(ws, ['anna', 'sini', 'carl', 'dora']);
      t.recovered = true;
    }), 90_000);

  it('swap_bundle: a claim answer carrying the attacker\'s bundle for a professional nobody has met is refused as uncertified', () =>
    runTrial(matrix, world.relay, 'swap_bundle', async (t) => {
      const erik = world.agent('erik');
      const mark = await anna.mark();
      const fault = world.relay.arm({ type: 'swap_bundle', victim: 'anna', target: erik.ref, bundle: world.attacker.bundleAs(erik.ref) });
      await addMember('erik');
      await fault.hit();
      const problem = await anna.awaitProblem(mark, ['uncertified']);
      t.detected = problem?.device !== undefined && deviceKey(problem.device) === deviceKey(erik.ref);
      t.note("uncertified at the key sender (the bundle's identity key is not the one erik's device certificate names)");
      expect(t.detected).toBe(true);
      // No key went to the attacker's session: erik never received the epoch key.
      await sleep(500);
      expect(erik.epoch(ws)).toBeUndefined();
      t.count(fault);
      world.relay.honest();
      await until('erik receives the epoch key', () => erik.epoch(ws) !== undefined, 30_000);
      await erik.plan(ws);
      await anna.write(ws, word());
      await world.converged(ws, ['anna', 'sini', 'erik']);
      t.recovered = true;
      t.note('recovered by the retried key delivery (the honest bundle carries the certified key)');
    }), 90_000);

  it('hide_removal: a member kept from seeing a removal learns of it from the next epoch key and refuses the chain', () =>
    runTrial(matrix, world.relay, 'hide_removal', async (t) => {
      const carl = world.agent('carl');
      const members = await sini.members(ws);
      const epoch = sini.epoch(ws) ?? 0;
      const mark = await sini.mark();
      const fault = world.relay.arm({ type: 'hide_removal', victim: 'sini', workspaceId: ws, userId: carl.userId });
      const removed = await callJson(anna.api, 'DELETE', `/api/workspaces/${ws}/members/${carl.userId}`);
      expect(removed.status).toBe(200);
      await fault.hit();
      const problem = await sini.awaitProblem(mark, ['chain_invalid']);
      t.detected = problem !== undefined && problem.workspaceId === ws;
      t.note('chain_invalid: a member sent the next epoch key, the served chain stops before it');
      expect(t.detected).toBe(true);
      expect(await sini.members(ws)).toEqual(members);
      expect(sini.epoch(ws)).toBe(epoch);
      t.count(fault);
      world.relay.honest();
      await until('sini sees the removal', () => membersAgree(['sini']), 30_000);
      await until('sini holds the new epoch key', () => sini.epoch(ws) === anna.epoch(ws), 30_000);
      await anna.write(ws, word());
      await world.converged(ws, ['anna', 'sini', 'dora', 'erik']);
      expect(carl.epoch(ws)).toBe(epoch);
      t.recovered = true;
      t.note('recovered by the chain re-sync after the refusal');
    }), 120_000);
});
