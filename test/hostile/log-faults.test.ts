/**
 * The server operator shows agents a transparency log that is not the one log every member
 * and monitor reads (docs/design.md §3.5), through its relay and with its own log key:
 *
 *  (a) split_view_log: Bert is shown a log of the same size as Anna's in which a new
 *      person's certificate is another leaf — their heartbeats carry their heads to each
 *      other, and the split view is reported within a heartbeat interval;
 *  (b) rewritten_log: Anna is shown a log whose history differs from the head she verified
 *      before (its first leaf replaced) — `log_inconsistent`, and nothing of it is relied on;
 *  (c) unproven_certificate: Bert is served a new member's certificates without inclusion
 *      proofs, then with wrong ones — `log_unproven`, and her device is not trusted;
 *  (d) withheld_revocation: Bert's organisation revokes him and the server leaves the
 *      revocation out of every bundle it serves Anna — her agent reads it from the log's
 *      entries anyway, and as the workspace's owner removes Bert.
 *
 * Each is detected at the agents' UI API, nothing of the lie is relied upon, and the agents
 * recover once the server is honest: the new member's messages reach everyone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson } from '@yhteispoyta/agent/api/test-agent.testkit';
import { PrivateKey } from '@signalapp/libsignal-client';
import { toBase64, toBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { certificateJson, signCertificate } from '@yhteispoyta/crypto/certificates/signing';
import { logEntriesResponseSchema, logResponseSchema } from '@yhteispoyta/crypto/protocol';
import { logKeyFromPem } from '@yhteispoyta/crypto/transparency/log-key';
import type { LogSigningKey } from '@yhteispoyta/crypto/transparency/log-key';
import { MerkleTree } from '@yhteispoyta/crypto/transparency/merkle-tree';
import { certificateLeafHash, signTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import { FaultMatrix, formatMatrix } from './fault-matrix';
import type { ForgedLog } from './faults';
import { CAST, HostileWorld, sleep, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';
import { runTrial } from './trial.testkit';

/** The agents' heartbeat interval in the hostile world (testConfig). */
const HEARTBEAT_MS = 2_000;

const matrix = new FaultMatrix('log-faults');
let world: HostileWorld;
let anna: WorldAgent;
let bert: WorldAgent;
let workspaceId: string;

beforeAll(async () => {
  world = await HostileWorld.start({
    agents: [CAST.anna, CAST.bert],
  });
  anna = world.agent('anna');
  bert = world.agent('bert');
  workspaceId = await world.workspace('anna', ['bert']);
  await entered(bert);
}, 180_000);

afterAll(async () => {
  const rows = matrix.write();
  process.stdout.write(`\nfault matrix (all parts so far)\n${formatMatrix(rows)}\n`);
  await world?.close();
});

/** The operator's log key: the server keeps it next to its store. */
function operatorLogKey(): LogSigningKey {
  const key = logKeyFromPem(readFileSync(join(world.dir, 'log-key.pem'), 'utf8'));
  if (key === undefined) throw new Error('no log key next to the store');
  return key;
}

/** The real log's leaves, read as a monitor reads them. */
async function realLeaves(): Promise<Uint8Array[]> {
  const { head } = logResponseSchema.parse(await (await fetch(`${world.server.url}/v1/log`)).json());
  const leaves: Uint8Array[] = [];
  while (leaves.length < head.treeSize) {
    const page = logEntriesResponseSchema.parse(await (await fetch(`${world.server.url}/v1/log/entries?start=${leaves.length}`)).json());
    if (page.entries.length === 0) break;
    leaves.push(...page.entries.map((e) => certificateLeafHash(e.certificate)));
  }
  return leaves.slice(0, head.treeSize);
}

/**
 * The operator's other log: the real one with the certificate at leaf `index` replaced by a
 * device certificate it made up (signed by a key of its own), its head signed with the real
 * log key.
 */
async function forgeLog(index: number): Promise<ForgedLog> {
  const identityKey = toBase64(toBytes(PrivateKey.generate().getPublicKey().serialize()));
  const madeUp = signCertificate({ t: 'device', v: 1, userId: 'u_madeupmadeup', deviceId: 9, identityKey, created: Date.now() }, PrivateKey.generate());
  const tree = new MerkleTree();
  for (const [i, leaf] of (await realLeaves()).entries()) tree.append(i === index ? certificateLeafHash(madeUp) : leaf);
  const head: SignedTreeHead = signTreeHead({ treeSize: tree.size, rootHash: toHex(tree.root()), timestamp: Date.now() }, operatorLogKey());
  return {
    head,
    inclusion: (i) => tree.inclusionProof(i, head.treeSize).map(toHex),
    consistency: (from) => tree.consistencyProof(from, head.treeSize).map(toHex),
    entries: new Map([[index, certificateJson(madeUp)]]),
  };
}

/** A new professional of `org`: enrolled through the relay, certified by the organisation's tool. */
async function newcomer(name: string, org: 'kela' | 'county'): Promise<WorldAgent> {
  const code = await world.orgs[org].issueCode({ role: 'health_professional', displayName: name });
  const agent = await world.enrolAgent(name, code.userId, code.code);
  await world.orgs[org].certifyPending();
  await until(`${name} certified`, async () => (await agent.certification()).state === 'certified');
  return agent;
}

/**
 * Until `member` holds the workspace key and its chat answers: a professional added to a
 * workspace accepts it first (where the agent asks for that; elsewhere the call is a 404).
 */
async function entered(member: WorldAgent): Promise<void> {
  await until(`${member.name} holds the workspace key`, () => member.epoch(workspaceId) !== undefined);
  await until(`${member.name} is in the workspace`, async () => {
    await callJson(member.api, 'POST', `/api/invitations/${workspaceId}/accept`, {});
    return (await callJson(member.api, 'GET', `/api/workspaces/${workspaceId}/chat`)).status === 200;
  });
}

/** `member` is added to the workspace by Anna, writes in the chat, and every one of `readers` reads it. */
async function joinsAndIsRead(member: WorldAgent, readers: readonly WorldAgent[], text: string): Promise<boolean> {
  if (!(await anna.members(workspaceId)).includes(member.userId)) {
    const added = await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: member.userId });
    if (added.status !== 200) throw new Error(`adding ${member.name}: ${JSON.stringify(added.body)}`);
    await entered(member);
  }
  await member.say(workspaceId, text);
  try {
    for (const reader of readers) await until(`${reader.name} reads ${member.name}`, async () => (await reader.chat(workspaceId)).some((m) => m.text === text), 30_000);
    return true;
  } catch {
    return false;
  }
}

describe('the transparency log under a hostile server', () => {
  it('(c) unproven_certificate: certificates without a valid inclusion proof are not relied upon', () =>
    runTrial(matrix, world.relay, 'unproven_certificate', async (t) => {
      const cecilia = await newcomer('cecilia', 'kela');
      const mark = await bert.mark();
      for (const how of ['drop', 'flip'] as const) {
        const fault = world.relay.arm({ type: 'unprove_certificates', victim: 'bert', userId: cecilia.userId, how });
        // Bert looks at everyone he works with again (a reconnection refreshes their certificates).
        if (how === 'drop') {
          const added = await callJson(anna.api, 'POST', `/api/workspaces/${workspaceId}/members`, { userId: cecilia.userId });
          expect(added.status).toBe(200);
        } else {
          world.relay.reconnect('bert');
        }
        await fault.hit();
        t.count(fault);
        world.relay.disarm(fault);
      }
      const problem = await bert.awaitProblem(mark, ['log_unproven']);
      t.detected = problem !== undefined;
      t.note(`log_unproven at the unproven member's reader${problem === undefined ? ' (missing)' : ''}`);
      expect(problem?.code).toBe('log_unproven');
      // Nothing Cecilia writes is accepted by Bert while her certificates are unproven.
      await entered(cecilia);
      await cecilia.say(workspaceId, 'näkyykö tämä?');
      await until('anna reads cecilia', async () => (await anna.chat(workspaceId)).some((m) => m.text === 'näkyykö tämä?'));
      expect((await bert.chat(workspaceId)).some((m) => m.text === 'näkyykö tämä?')).toBe(false);

      world.relay.honest();
      world.relay.reconnect('bert');
      t.recovered = await joinsAndIsRead(cecilia, [anna, bert], 'nyt kaikki näkevät');
      t.note('recovered at the next certificate refresh: her messages reach every member');
      expect(t.recovered).toBe(true);
    }), 120_000);

  it('(a) split_view_log: two members shown different logs catch it through their heartbeats', () =>
    runTrial(matrix, world.relay, 'split_view_log', async (t) => {
      const dora = await newcomer('dora', 'county');
      // Anna learns the real log with Dora's certificates in it.
      const annaMark = await anna.mark();
      const bertMark = await bert.mark();
      world.relay.reconnect('anna');
      // Bert is shown a log of the same size without Dora's device certificate (the last leaf).
      const real = await realLeaves();
      const fault = world.relay.arm({ type: 'forged_log', victim: 'bert', log: await forgeLog(real.length - 1) });
      world.relay.reconnect('bert');
      await fault.hit();
      const started = Date.now();
      let seen: { who: string; ms: number } | undefined;
      await until('a member reports directory_split_view', async () => {
        for (const [agent, mark] of [[anna, annaMark], [bert, bertMark]] as const) {
          if ((await agent.problemsSince(mark)).some((p) => p.code === 'directory_split_view' && p.workspaceId === workspaceId)) {
            seen ??= { who: agent.name, ms: Date.now() - started };
            return true;
          }
        }
        return false;
      }, 3 * HEARTBEAT_MS);
      t.count(fault);
      t.detected = seen !== undefined;
      t.note(`directory_split_view at ${seen?.who ?? '?'} ${seen?.ms ?? '?'} ms after the forged head (heartbeat ${HEARTBEAT_MS} ms)`);
      expect(seen).toBeDefined();

      world.relay.honest();
      // Anna's next heartbeats vouch for the honest log; Bert's head gives way to it.
      await sleep(2 * HEARTBEAT_MS);
      world.relay.reconnect('bert');
      t.recovered = await joinsAndIsRead(dora, [anna, bert], 'Dora täällä');
      t.note("recovered: the member shown the other log adopts the log a member vouches for; the newcomer's messages reach everyone");
      expect(t.recovered).toBe(true);
    }), 120_000);

  it('(b) rewritten_log: a log whose history differs from a head seen before is refused', () =>
    runTrial(matrix, world.relay, 'rewritten_log', async (t) => {
      const mark = await anna.mark();
      const fault = world.relay.arm({ type: 'forged_log', victim: 'anna', log: await forgeLog(0) });
      world.relay.reconnect('anna');
      await fault.hit();
      const problem = await anna.awaitProblem(mark, ['log_inconsistent']);
      t.count(fault);
      t.detected = problem !== undefined;
      t.note('log_inconsistent');
      expect(problem?.code).toBe('log_inconsistent');

      world.relay.honest();
      world.relay.reconnect('anna');
      const eero = await newcomer('eero', 'kela');
      t.recovered = await joinsAndIsRead(eero, [anna, bert], 'Eero mukana');
      expect((await anna.problemsSince(mark)).filter((p) => p.code === 'log_inconsistent')).toHaveLength(1);
      t.note("recovered: the honest log extends the head seen before; a newcomer's messages reach everyone");
      expect(t.recovered).toBe(true);
    }), 120_000);

  it('(d) withheld_revocation: a revocation left out of every bundle is read from the log', () =>
    runTrial(matrix, world.relay, 'withheld_revocation', async (t) => {
      const fault = world.relay.arm({ type: 'withhold_certificates', victim: 'anna', types: ['user_revocation'] });
      // Bert leaves the county: his organisation revokes him; Anna looks at the people she works with again.
      await world.orgs.county.revokeUser(bert.userId);
      world.relay.reconnect('anna');
      await fault.hit();
      let removed = false;
      try {
        await until('anna removes bert', async () => !(await anna.members(workspaceId)).includes(bert.userId), 30_000);
        removed = true;
      } catch {
        removed = false;
      }
      t.count(fault);
      t.detected = removed;
      t.note('the revocation came from the log entries the agent read up to its new head; the owner removed the revoked member');
      expect(removed).toBe(true);

      world.relay.honest();
      t.recovered = await joinsAndIsRead(world.agent('cecilia'), [anna], 'Bert on poissa');
      t.note('the workspace goes on without him');
      expect(t.recovered).toBe(true);
    }), 120_000);
});
