/**
 * A run of random envelope faults — dropped, reordered, replayed, bit-flipped, truncated
 * or re-signed, on the plan or the chat, against a random victim and author — each
 * followed by honest relaying. Every fault must be detected by its victim and every
 * round must end with all agents converged (documents and chat). `npm test` runs a few
 * rounds; `STRESS=1` runs many. `SOAK_SEED` replays a run (the seed is printed).
 */
import { Prng } from '@yhteispoyta/test-support/prng';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemCode } from '@yhteispoyta/agent/contracts';
import { ENVELOPE_PARTS } from './envelope-tamper';
import { FaultMatrix, formatMatrix } from './fault-matrix';
import type { FaultKind } from './fault-matrix';
import type { EnvelopeAction, FaultHandle } from './faults';
import { CAST, HostileWorld, until } from './hostile-world.testkit';
import type { WorldAgent } from './hostile-world.testkit';
import { runTrial } from './trial.testkit';
import type { Trial } from './trial.testkit';

const STRESS = process.env.STRESS === '1';
const ROUNDS = STRESS ? 60 : 6;
const SEED = Number(process.env.SOAK_SEED ?? Date.now() % 2 ** 31);
const NAMES = ['anna', 'sini', 'carl'] as const;
const STREAMS = ['doc:plan', 'chat'] as const;
type Stream = (typeof STREAMS)[number];

const matrix = new FaultMatrix('fault-soak');
let world: HostileWorld;
let ws: string;
let counter = 0;

const rng = new Prng(SEED);
const random = (): number => rng.float();
function pick<T>(list: readonly T[]): T {
  const item = list[Math.floor(random() * list.length)];
  if (item === undefined) throw new Error('empty list');
  return item;
}

beforeAll(async () => {
  process.stdout.write(`fault soak: ${ROUNDS} rounds, SOAK_SEED=${SEED}\n`);
  world = await HostileWorld.start({
    agents: [CAST.anna, CAST.sini, CAST.carl],
  });
  ws = await world.workspace('anna', ['sini', 'carl']);
  await world.agent('anna').write(ws, 'Tavoite:');
  await world.agent('anna').say(ws, 'Aloitetaan.');
  await world.converged(ws, NAMES);
}, 120_000);

afterAll(async () => {
  const rows = matrix.write();
  process.stdout.write(`\nfault matrix (all parts so far)\n${formatMatrix(rows)}\n`);
  await world?.close();
});

/** One piece of content by `author` on `stream`. */
async function act(author: WorldAgent, stream: Stream): Promise<void> {
  counter += 1;
  if (stream === 'chat') await author.say(ws, `viesti ${counter}`);
  else await author.write(ws, ` sana${counter}`);
}

/** Chat as an agent lists it, reduced to what must agree everywhere. */
async function chatView(agent: WorldAgent): Promise<string> {
  return (await agent.chat(ws)).map((m) => `${m.id}:${m.text}:${m.deleted}`).join('|');
}

async function allConverged(): Promise<void> {
  await world.converged(ws, NAMES);
  await until('chat converges', async () => {
    const views = await Promise.all(NAMES.map((n) => chatView(world.agent(n))));
    return views.every((v) => v === views[0]);
  }, 30_000);
}

type Plan = { readonly kind: FaultKind; readonly codes: readonly ProblemCode[]; readonly action?: EnvelopeAction; readonly shape: 'one' | 'two' | 'reorder' | 'replay' };

function planRound(): Plan {
  const part = pick(ENVELOPE_PARTS);
  return pick<Plan>([
    { kind: 'drop', codes: ['clock_gap'], action: { action: 'drop' }, shape: 'two' },
    // A member's heartbeat may announce the held envelope first: then the victim's fetch lacks it (withheld).
    { kind: 'reorder', codes: ['clock_gap', 'withheld'], shape: 'reorder' },
    { kind: 'replay', codes: ['replay'], shape: 'replay' },
    { kind: `flip_${part}`, codes: ['bad_signature'], action: { action: 'flip', part }, shape: 'one' },
    { kind: 'truncate', codes: ['bad_signature'], action: { action: 'truncate' }, shape: 'one' },
    { kind: 'resign', codes: ['bad_signature'], action: { action: 'resign', signer: world.attacker.identityKey }, shape: 'one' },
  ]);
}

async function round(t: Trial, plan: Plan, victim: WorldAgent, author: WorldAgent, stream: Stream): Promise<void> {
  t.note(`soak: ${plan.codes.join('|')}`);
  const mark = await victim.mark();
  const select = { workspaceId: ws, stream, author: author.userId };
  let handle: FaultHandle | undefined;
  if (plan.shape === 'replay') {
    await act(author, stream);
    await allConverged();
    const old = pick(world.relay.log.entries(ws, stream, (e) => e.header.author.userId === author.userId && e.header.kind !== 'snapshot'));
    t.injected = world.relay.deliverEnvelope(victim.name, { workspaceId: ws, stream, stored: { ...old.stored, seq: world.relay.log.maxSeq(ws) + 1 } });
  } else {
    handle = plan.shape === 'reorder'
      ? world.relay.arm({ type: 'reorder', victim: victim.name, select })
      : world.relay.arm({ type: 'envelope', victim: victim.name, select, do: plan.action ?? { action: 'drop' } });
    await act(author, stream);
    if (plan.shape !== 'one') {
      if (plan.shape === 'two') await handle.hit();
      else await new Promise((resolve) => setTimeout(resolve, 300));
      await act(author, stream);
    }
    await handle.hit();
  }
  const problem = await victim.awaitProblem(mark, plan.codes);
  t.detected = problem !== undefined;
  if (handle !== undefined) t.count(handle);
  world.relay.honest();
  await allConverged();
  t.recovered = true;
  expect(t.detected, `${plan.kind} on ${stream} to ${victim.name} from ${author.name} (SOAK_SEED=${SEED})`).toBe(true);
}

describe('random envelope faults', () => {
  it(`${ROUNDS} rounds: every fault detected by its victim, every round ends converged`, async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const plan = planRound();
      const victim = world.agent(pick(['sini', 'carl']));
      const author = world.agent(pick(NAMES.filter((n) => n !== victim.name)));
      const stream = pick(STREAMS);
      await runTrial(matrix, world.relay, plan.kind, (t) => round(t, plan, victim, author, stream));
    }
  }, ROUNDS * 45_000 + 30_000);
});
