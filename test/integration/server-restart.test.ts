/**
 * The server is killed with SIGKILL while three agents keep typing and chatting, and is
 * restarted on the same port with the same store. Every edit acknowledged before the
 * kill survives (a fourth device, added only after the restart, rebuilds the plan from
 * the server's store alone and must reach the same state), edits made around the crash
 * are not lost, all agents converge, and no chat message is duplicated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForSameChat, waitForSameHash } from './convergence';
import { ANNA, Cluster, SINI, TERO, sleep, waitFor, wordsOf } from './harness';
import type { ClusterAgent, PlanEditor, Workspace } from './harness';

let cluster: Cluster;
let anna: ClusterAgent;
let sini: ClusterAgent;
let tero: ClusterAgent;
let late: ClusterAgent;
let agents: ClusterAgent[];
let workspace: Workspace;

beforeAll(async () => {
  cluster = await Cluster.start();
  ({ anna, sini, tero, late } = await cluster.team({ anna: ANNA, sini: SINI, tero: TERO, late: { ...SINI, displayName: 'Leena Myöhäinen' } }));
  agents = [anna, sini, tero];
  workspace = await cluster.sharedWorkspace(anna, 'consultation', 'Konsultaatio', [sini, tero]);
}, 240_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

/** Typing in the background until stopped; `words` grows as it goes. */
function keepTyping(editor: PlanEditor, prefix: string): { words: string[]; stop: () => Promise<void> } {
  const words: string[] = [];
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      const word = `${prefix}${i}`;
      editor.insertWord(word);
      words.push(word);
      await sleep(20);
    }
  })();
  return {
    words,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe('server crash and restart', () => {
  it('keeps every acknowledged edit, loses nothing typed around the crash, converges and duplicates no chat', async () => {
    const { workspaceId } = workspace;
    const editors = await Promise.all(agents.map((agent) => cluster.openEditor(agent, workspaceId)));

    // Phase 1: type, then wait until the server acknowledged everything.
    let typing = editors.map((editor, i) => keepTyping(editor, `${agents[i]?.name}-a`));
    const ackedChat: string[] = [];
    for (const agent of agents) {
      const text = `${agent.name} ennen kaatumista`;
      await agent.api.sendChat(workspaceId, text);
      ackedChat.push(text);
    }
    await sleep(1000);
    await Promise.all(typing.map((t) => t.stop()));
    const acked = typing.flatMap((t) => t.words);
    const ackedHash = await waitForSameHash(agents, workspaceId);
    await waitForSameChat(agents, workspaceId, ackedChat.length);

    // Phase 2: everyone keeps typing and chatting while the server is killed and restarted.
    typing = editors.map((editor, i) => keepTyping(editor, `${agents[i]?.name}-b`));
    const aroundChat: string[] = [];
    const chatter = (async () => {
      for (let round = 0; round < 6; round++) {
        for (const agent of agents) {
          const text = `${agent.name} kaatumisen aikaan ${round}`;
          await agent.api.sendChat(workspaceId, text);
          aroundChat.push(text);
        }
        await sleep(300);
      }
    })();
    await sleep(700);
    const exit = await cluster.server.kill();
    expect(exit?.signal).toBe('SIGKILL');
    await waitFor(async () => (await Promise.all(agents.map((a) => a.api.status()))).every((s) => s.link !== 'online'), {
      what: 'every agent to notice the server is gone',
    });
    await sleep(800);
    await cluster.server.restart();
    await sleep(700);
    await chatter;
    await Promise.all(typing.map((t) => t.stop()));
    const around = typing.flatMap((t) => t.words);

    const finalHash = await waitForSameHash(agents, workspaceId, { timeoutMs: 120_000 });
    expect(finalHash).not.toBe(ackedHash);
    await waitFor(() => editors.every((e) => e.text() === editors[0]?.text()), { what: 'equal editor texts' });
    const finalWords = wordsOf(editors[0]?.text() ?? '');
    expect(finalWords.sort()).toEqual([...acked, ...around].sort());

    const messages = await waitForSameChat(agents, workspaceId, ackedChat.length + aroundChat.length, 120_000);
    expect(messages.map((m) => m.text).sort()).toEqual([...ackedChat, ...aroundChat].sort());
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);

    // A device that was never in the workspace before the crash builds the plan from the server's store alone.
    await anna.api.addMember(workspaceId, late.userId);
    const fromServer = await cluster.openEditor(late, workspaceId);
    await waitForSameHash([...agents, late], workspaceId, { timeoutMs: 120_000 });
    await waitFor(() => fromServer.text() === editors[0]?.text(), { what: 'the late device to hold the whole plan' });
    expect(wordsOf(fromServer.text())).toEqual(expect.arrayContaining(acked));
    await waitForSameChat([...agents, late], workspaceId, messages.length);

    for (const agent of [...agents, late]) {
      const problems = await agent.api.problems();
      expect(problems.filter((p) => p.code !== 'offline'), agent.name).toEqual([]);
    }
  }, 300_000);
});
