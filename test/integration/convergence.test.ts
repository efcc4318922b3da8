/**
 * Three real agents and a real server: concurrent plan edits through each agent's
 * y-websocket room converge to one state on every agent, a chat written by all three
 * is listed identically everywhere (server order, right authors, verified), and an edit
 * made with the stock WebsocketProvider through one agent reaches another.
 */
import { Prng } from '@yhteispoyta/test-support/prng';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForSameChat, waitForSameHash } from './convergence';
import { ANNA, Cluster, SINI, sleep, waitFor, wordsOf } from './harness';
import type { ClusterAgent, Workspace } from './harness';

let cluster: Cluster;
let anna: ClusterAgent;
let sini: ClusterAgent;
let tero: ClusterAgent;
let agents: ClusterAgent[];
let workspace: Workspace;

beforeAll(async () => {
  cluster = await Cluster.start();
  const employmentAdvisor = { org: 'TE-palvelut', role: 'employment_advisor', displayName: 'Tero Työvalmentaja' } as const;
  ({ anna, sini, tero } = await cluster.team({ anna: ANNA, sini: SINI, tero: employmentAdvisor }));
  agents = [anna, sini, tero];
  workspace = await cluster.sharedWorkspace(anna, 'case', 'Yhteinen suunnitelma', [sini, tero]);
}, 240_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

/** A seeded generator, so a failing interleaving can be reproduced from the logged seed. */
function seeded(seed: number): () => number {
  const rng = new Prng(seed);
  return () => rng.float();
}

describe('three agents converge', () => {
  it('concurrent edits through three y-websocket rooms end in equal hashes and equal text everywhere', async () => {
    const { workspaceId } = workspace;
    const editors = await Promise.all(agents.map((agent) => cluster.openEditor(agent, workspaceId)));
    const seed = Date.now();
    const expected = new Set<string>();

    // Every agent types words at random word boundaries and deletes some of its own, all at once.
    await Promise.all(
      editors.map(async (editor, index) => {
        const random = seeded(seed + index);
        const own: string[] = [];
        for (let i = 0; i < 40; i++) {
          const word = `${agents[index]?.name}${i}`;
          editor.insertWord(word, random);
          own.push(word);
          expected.add(word);
          if (i % 5 === 4) {
            const victim = own.splice(Math.floor(random() * own.length), 1)[0];
            if (victim !== undefined && editor.deleteWord(victim)) expected.delete(victim);
          }
          await sleep(10 + Math.floor(random() * 30));
        }
      }),
    );

    const hash = await waitForSameHash(agents, workspaceId);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    // The providers in this process hold the agents' documents: same text on all three.
    const texts = await waitFor(
      () => {
        const all = editors.map((e) => e.text());
        return all.every((t) => t === all[0]) ? all : undefined;
      },
      { timeoutMs: 30_000, what: `equal editor texts (seed ${seed})` },
    );
    expect(wordsOf(texts[0] ?? '').sort()).toEqual([...expected].sort());
    for (const agent of agents) expect(await agent.api.problems()).toEqual([]);
  }, 240_000);

  it('chat from all three agents is listed identically everywhere, in server order, with the right verified authors', async () => {
    const { workspaceId } = workspace;
    const sent = new Map<string, ClusterAgent>();
    // Round-robin without waiting for acknowledgements: the messages cross in flight.
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        agents.map(async (agent) => {
          const text = `${agent.name}: viesti ${round}`;
          sent.set(text, agent);
          const message = await agent.api.sendChat(workspaceId, text);
          expect(message).toMatchObject({ text, author: { userId: agent.userId } });
        }),
      );
    }

    const messages = await waitForSameChat(agents, workspaceId, sent.size);
    const seqs = messages.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    for (const message of messages) {
      const author = sent.get(message.text);
      expect(author, message.text).toBeDefined();
      expect(message.author).toEqual({ userId: author?.userId, deviceId: 1 });
      expect(message.verified).toBe(true);
      expect(message.deleted).toBe(false);
    }
    // Each author's own messages keep the order he wrote them in.
    for (const agent of agents) {
      const own = messages.filter((m) => m.author.userId === agent.userId).map((m) => m.text);
      expect(own).toEqual([0, 1, 2, 3, 4].map((round) => `${agent.name}: viesti ${round}`));
    }
    // Every agent checked every signature itself: each lists every message as verified.
    for (const agent of agents) {
      const listed = await agent.api.chat(workspaceId);
      expect(listed.map((m) => [m.text, m.verified])).toEqual(messages.map((m) => [m.text, true]));
    }
  }, 180_000);

  it('an edit made with the stock WebsocketProvider through agent A appears in agent B', async () => {
    const { workspaceId } = workspace;
    const throughAnna = await cluster.openEditor(anna, workspaceId);
    const line = `Sovittu toimenpide ${Date.now()}: työkokeilu keväällä`;
    throughAnna.appendParagraph(line);

    // A fresh provider on B, connected after the edit, must receive it from B's agent.
    const throughSini = await cluster.openEditor(sini, workspaceId);
    await waitFor(() => throughSini.paragraphs().includes(line), { timeoutMs: 60_000, what: 'the paragraph on sini' });
    const hash = await waitForSameHash([anna, sini], workspaceId);
    expect(await anna.api.documentHash(workspaceId, 'plan')).toBe(hash);
    expect(throughSini.text()).toBe(throughAnna.text());
  }, 120_000);
});
