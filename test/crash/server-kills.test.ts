/**
 * Crash test of the server: three real agent processes keep editing the plan and chatting
 * while the real server process is killed with SIGKILL at seeded random points — 5 times
 * under `npm test`, 24 under `STRESS=1` (CRASH_KILLS overrides) — and restarted each time
 * on the same port and store. Afterwards: not one acknowledged edit or message is lost
 * (acknowledged = observed through the server by another agent before the kill), in fact
 * nothing typed at all is lost and nothing deleted comes back, every agent converges to
 * the same state hash, no chat message is duplicated, and the store file is intact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '@yhteispoyta/test-support/prng';
import { waitForSameChat, waitForSameHash } from '../integration/convergence';
import { ANNA, Cluster, SINI, TERO, sleep, waitFor, wordsOf } from '../integration/harness';
import type { ClusterAgent } from '../integration/harness';
import { readServerStore } from '../integration/server-store';
import { acknowledgedChats, wordsSeenByOthers } from './acknowledged';
import { Activity } from './activity';
import type { Participant } from './activity';
import { crashSeed, serverKills } from './crash-config';

const KILLS = serverKills();
const SEED = crashSeed();

let cluster: Cluster;
let agents: ClusterAgent[];
let workspaceId: string;

beforeAll(async () => {
  cluster = await Cluster.start();
  const { anna, sini, tero } = await cluster.team({ anna: ANNA, sini: SINI, tero: TERO });
  agents = [anna, sini, tero];
  ({ workspaceId } = await cluster.sharedWorkspace(anna, 'consultation', 'Kaatumistesti', [sini, tero]));
}, 300_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

async function allOnline(): Promise<void> {
  await waitFor(async () => (await Promise.all(agents.map((a) => a.api.status()))).every((s) => s.link === 'online'), {
    timeoutMs: 120_000,
    what: 'every agent to be online again',
  });
}

describe(`the server killed ${KILLS} times (seed ${SEED}) during sustained editing and chatting`, () => {
  it('loses no acknowledged edit, converges, and duplicates no chat message', async () => {
    const prng = new Prng(SEED);
    const participants: Participant[] = await Promise.all(agents.map(async (agent) => ({ agent, editor: await cluster.openEditor(agent, workspaceId) })));
    const activity = new Activity(participants, new Prng(prng.next()), { workspaceId, paceMs: 15, chatShare: 0.06, deleteShare: 0.08 });
    const ackedWords = new Set<string>();
    const ackedChats = new Set<string>();
    const kills: { ackedWords: number; ackedChats: number; upMs: number; downMs: number }[] = [];
    const started = Date.now();

    activity.start();
    try {
      for (let k = 0; k < KILLS; k++) {
        await allOnline();
        const upMs = prng.int(300, 3000);
        await sleep(upMs);
        // What the server has acknowledged at this instant must survive the kill that follows.
        for (const word of wordsSeenByOthers(participants, activity.authorOf)) ackedWords.add(word);
        for (const text of await acknowledgedChats(agents, workspaceId)) ackedChats.add(text);
        const exit = await cluster.server.kill();
        expect(exit?.signal).toBe('SIGKILL');
        const downMs = prng.int(100, 1500);
        await sleep(downMs);
        await cluster.server.restart();
        kills.push({ ackedWords: ackedWords.size, ackedChats: ackedChats.size, upMs, downMs });
      }
      await allOnline();
      await sleep(1000);
    } finally {
      await activity.stop();
    }

    const hash = await waitForSameHash(agents, workspaceId, { timeoutMs: 180_000 });
    await waitFor(() => participants.every((p) => p.editor.text() === participants[0]?.editor.text()), { timeoutMs: 60_000, what: 'equal plan texts' });
    const finalWords = wordsOf(participants[0]?.editor.text() ?? '');
    const finalSet = new Set(finalWords);
    const lostAcked = [...ackedWords].filter((w) => !activity.deleted.has(w) && !finalSet.has(w));
    expect(lostAcked).toEqual([]);
    expect([...finalWords].sort()).toEqual(activity.expectedWords().sort());

    expect(activity.chatErrors).toEqual([]);
    const messages = await waitForSameChat(agents, workspaceId, activity.chats.length, 180_000);
    const texts = messages.map((m) => m.text);
    expect([...texts].sort()).toEqual(activity.chats.map((c) => c.text).sort());
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
    expect([...ackedChats].filter((t) => !texts.includes(t))).toEqual([]);

    expect(readServerStore(cluster.server.storePath, (db) => db.prepare('PRAGMA integrity_check', { pluck: true }).get())).toBe('ok');
    for (const agent of agents) {
      const problems = (await agent.api.problems()).filter((p) => p.code !== 'offline');
      expect(problems, agent.name).toEqual([]);
    }

    const figures = {
      seed: SEED,
      kills: kills.length,
      seconds: Math.round((Date.now() - started) / 1000),
      wordsTyped: activity.authorOf.size,
      wordsDeleted: activity.deleted.size,
      acknowledgedWordsChecked: ackedWords.size,
      chatMessages: activity.chats.length,
      acknowledgedChatsChecked: ackedChats.size,
      finalWords: finalWords.length,
      hash: hash.slice(0, 16),
      perKill: kills,
    };
    process.stdout.write(`server-kill figures: ${JSON.stringify(figures)}\n`);
  }, 120_000 + KILLS * 45_000);
});
