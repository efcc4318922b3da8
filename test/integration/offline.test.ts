/**
 * An agent goes offline (its proxy to the server is cut), keeps editing the plan and
 * writing chat while the others do too, and comes back: nothing is lost and everything
 * converges. Second round: the offline agent is also killed (SIGKILL) with its changes
 * queued, restarted while still offline — its local copy opens from the profile with the
 * queued changes — and then reconnected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForSameChat, waitForSameHash } from './convergence';
import { ANNA, Cluster, SINI, TERO, sleep, waitFor, waitOnline, wordsOf } from './harness';
import type { ClusterAgent, PlanEditor, Workspace } from './harness';

let cluster: Cluster;
let anna: ClusterAgent;
let sini: ClusterAgent;
let tero: ClusterAgent;
let agents: ClusterAgent[];
let workspace: Workspace;
let chatCount = 0;

beforeAll(async () => {
  cluster = await Cluster.start();
  ({ anna, sini, tero } = await cluster.team({ anna: ANNA, sini: SINI, tero: TERO }));
  agents = [anna, sini, tero];
  workspace = await cluster.sharedWorkspace(anna, 'consultation', 'Konsultaatio', [sini, tero]);
}, 240_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

/** Type `count` words named `<prefix><i>` through an editor, paced like a person typing. */
async function typeWords(editor: PlanEditor, prefix: string, count: number): Promise<string[]> {
  const words: string[] = [];
  for (let i = 0; i < count; i++) {
    const word = `${prefix}${i}`;
    editor.insertWord(word);
    words.push(word);
    await sleep(15);
  }
  return words;
}

async function goOffline(agent: ClusterAgent): Promise<void> {
  agent.proxy.cut();
  await waitFor(async () => (await agent.api.status()).link !== 'online', { timeoutMs: 30_000, what: `${agent.name} to notice it is offline` });
}

describe('offline and back', () => {
  it('edits and chat made offline reach everyone after reconnecting, and concurrent edits of the others reach the offline agent', async () => {
    const { workspaceId } = workspace;
    const [ea, es, et] = await Promise.all(agents.map((agent) => cluster.openEditor(agent, workspaceId)));
    if (ea === undefined || es === undefined || et === undefined) throw new Error('editors missing');
    ea.appendParagraph('Tilannekuvaus: ');
    await waitForSameHash(agents, workspaceId);

    await goOffline(sini);
    const [offlineWords, annaWords, teroWords] = await Promise.all([typeWords(es, 'offline', 25), typeWords(ea, 'anna', 25), typeWords(et, 'tero', 25)]);
    const offlineChat = ['sini offline 1', 'sini offline 2'];
    for (const text of offlineChat) expect(await sini.api.sendChat(workspaceId, text)).toMatchObject({ pending: true });
    await anna.api.sendChat(workspaceId, 'anna online 1');
    chatCount += offlineChat.length + 1;

    // While cut off, nothing of sini's reached the others, and sini holds it queued.
    await waitFor(async () => ((await sini.api.status()).sync?.pending ?? 0) > 0, { what: 'sini to hold queued changes' });
    await waitForSameHash([anna, tero], workspaceId);
    expect(wordsOf(ea.text())).not.toContain('offline0');
    expect(wordsOf(es.text())).not.toContain('anna0');
    expect((await anna.api.chat(workspaceId)).map((m) => m.text)).toEqual(['anna online 1']);

    sini.proxy.restore();
    await waitOnline(sini);
    await waitForSameHash(agents, workspaceId);
    const messages = await waitForSameChat(agents, workspaceId, chatCount);
    expect(messages.map((m) => m.text).sort()).toEqual([...offlineChat, 'anna online 1'].sort());
    await waitFor(() => ea.text() === es.text() && es.text() === et.text(), { what: 'equal editor texts' });
    expect(wordsOf(ea.text()).sort()).toEqual(['Tilannekuvaus:', ...offlineWords, ...annaWords, ...teroWords].sort());
    for (const agent of agents) expect(await agent.api.problems()).toEqual([]);
  }, 240_000);

  it('queued offline changes survive a SIGKILL of the offline agent and are sent after restart and reconnect', async () => {
    const { workspaceId } = workspace;
    const ea = await cluster.openEditor(anna, workspaceId);
    let es = await cluster.openEditor(sini, workspaceId);
    await goOffline(sini);
    const queuedWords = await typeWords(es, 'queued', 20);
    await sini.api.sendChat(workspaceId, 'sini queued 1');
    chatCount += 1;
    // Wait until the agent has stored the edits (merge window passed), then crash it.
    await waitFor(async () => ((await sini.api.status()).sync?.pending ?? 0) >= 2, { what: 'sini to queue the edits and the message' });
    const hashBeforeCrash = await sini.api.documentHash(workspaceId, 'plan');
    cluster.closeEditor(es);
    await sini.process.kill();

    // Restarted while the server is still unreachable: the local copy opens with the queued edits.
    await cluster.restartAgent(sini);
    expect((await sini.api.status()).link).not.toBe('online');
    expect(await sini.api.documentHash(workspaceId, 'plan')).toBe(hashBeforeCrash);
    es = await cluster.openEditor(sini, workspaceId);
    expect(wordsOf(es.text())).toEqual(expect.arrayContaining(queuedWords));
    expect((await sini.api.chat(workspaceId)).filter((m) => m.pending).map((m) => m.text)).toEqual(['sini queued 1']);

    sini.proxy.restore();
    await waitOnline(sini);
    await waitForSameHash(agents, workspaceId);
    const messages = await waitForSameChat(agents, workspaceId, chatCount);
    expect(messages.filter((m) => m.text === 'sini queued 1')).toHaveLength(1);
    await waitFor(() => ea.text() === es.text(), { what: 'equal editor texts' });
    expect(wordsOf(ea.text())).toEqual(expect.arrayContaining(queuedWords));
  }, 240_000);
});
