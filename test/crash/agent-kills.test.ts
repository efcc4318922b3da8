/**
 * Crash tests of an agent (a real agent process among three, real server):
 * - killed with SIGKILL in the middle of flushing its offline queue (plan edits and chat
 *   messages made while its proxy was cut, some of them already stored by the server,
 *   some not), then restarted from its profile: every offline edit and message arrives,
 *   no message twice, all agents converge;
 * - killed with SIGKILL in the middle of uploading an attachment, then restarted: the
 *   server kept no half blob, nothing refers to it, and the same attachment can be
 *   uploaded again and arrives intact.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '@yhteispoyta/test-support/prng';
import { waitForSameChat, waitForSameHash } from '../integration/convergence';
import { ANNA, Cluster, PlanEditor, SINI, TERO, WaitAborted, waitFor, wordsOf } from '../integration/harness';
import type { ClusterAgent } from '../integration/harness';
import { readServerStore } from '../integration/server-store';
import { AgentEvents } from './agent-events';
import { crashSeed } from './crash-config';

const SEED = crashSeed();
/** Offline chat messages per attempt: each is its own envelope, so flushing them takes many round trips. */
const OFFLINE_MESSAGES = 120;
const OFFLINE_WORDS = 60;
const ATTACHMENT_BYTES = 24 * 1024 * 1024;

let cluster: Cluster;
let anna: ClusterAgent;
let sini: ClusterAgent;
let tero: ClusterAgent;
let agents: ClusterAgent[];
let workspaceId: string;

beforeAll(async () => {
  cluster = await Cluster.start();
  ({ anna, sini, tero } = await cluster.team({ anna: ANNA, sini: SINI, tero: TERO }));
  agents = [anna, sini, tero];
  ({ workspaceId } = await cluster.sharedWorkspace(anna, 'consultation', 'Agentin kaatuminen', [sini, tero]));
}, 300_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

async function pendingOf(agent: ClusterAgent): Promise<number> {
  return (await agent.api.status()).sync?.pending ?? 0;
}

/** Start the killed agent again on its profile and unlock it. */
async function restartKilled(agent: ClusterAgent): Promise<void> {
  await agent.process.restart();
  const status = await agent.api.unlock(agent.profile, agent.passphrase);
  expect(status.state).toBe('ready');
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('an agent killed', () => {
  it('mid-flush of its offline queue loses nothing and sends nothing twice after a restart from its profile', async () => {
    const prng = new Prng(SEED);
    const others = [anna, tero];
    const viewers = await Promise.all(others.map((agent) => cluster.openEditor(agent, workspaceId)));
    const offlineWords: string[] = [];
    const offlineTexts: string[] = [];
    let kill: { queued: number; target: number; pendingAtKill: number } | undefined;

    for (let attempt = 0; attempt < 3 && kill === undefined; attempt++) {
      const editor = await cluster.openEditor(sini, workspaceId);
      // A second view of sini's own document: when it shows a word, sini's agent holds it.
      const local = await PlanEditor.connect(sini.api, workspaceId);
      sini.proxy.cut();
      await waitFor(async () => (await sini.api.status()).link !== 'online', { what: 'sini to be offline' });
      const words = Array.from({ length: OFFLINE_WORDS }, (_, i) => `offline${attempt}-${i}-${prng.int(0, 9999)}`);
      for (const word of words) editor.insertWord(word, () => prng.float());
      const texts = Array.from({ length: OFFLINE_MESSAGES }, (_, i) => `sini offline ${attempt}.${i}`);
      for (const text of texts) await sini.api.sendChat(workspaceId, text);
      await waitFor(() => words.every((w) => local.text().includes(w)), { what: "sini's agent to hold every offline word" });
      // Past the merge window the edits are in the queue on disk, not only in memory.
      await waitFor(async () => (await pendingOf(sini)) >= texts.length + 1, { what: 'the offline queue to hold everything' });
      const queued = await pendingOf(sini);
      offlineWords.push(...words);
      offlineTexts.push(...texts);
      local.destroy();

      // Kill at a seeded point of the flush: once at most `target` changes are left unsent.
      const target = prng.int(Math.floor(queued * 0.2), Math.floor(queued * 0.8));
      sini.proxy.restore();
      const pendingAtKill = await waitFor(
        async () => {
          const pending = await pendingOf(sini);
          if (pending === 0) throw new WaitAborted('the queue was flushed before the kill');
          return pending <= target ? pending : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1, what: 'the flush to begin' },
      ).catch((error: unknown) => (error instanceof WaitAborted ? undefined : Promise.reject(error)));
      await sini.process.kill();
      cluster.closeEditor(editor);
      await restartKilled(sini);
      if (pendingAtKill !== undefined) kill = { queued, target, pendingAtKill };
    }
    expect(kill, 'the agent was killed mid-flush in one of three attempts').toBeDefined();

    const siniEditor = await cluster.openEditor(sini, workspaceId);
    const expectedMessages = offlineTexts.length;
    const messages = await waitForSameChat(agents, workspaceId, expectedMessages, 180_000);
    expect(messages.map((m) => m.text).sort()).toEqual([...offlineTexts].sort());
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
    expect(messages.every((m) => m.author.userId === sini.userId && m.verified)).toBe(true);

    await waitForSameHash(agents, workspaceId, { timeoutMs: 180_000 });
    for (const view of [...viewers, siniEditor]) {
      await waitFor(() => offlineWords.every((w) => wordsOf(view.text()).includes(w)), { timeoutMs: 60_000, what: 'every offline word everywhere' });
    }
    for (const agent of agents) expect((await agent.api.problems()).filter((p) => p.code !== 'offline'), agent.name).toEqual([]);
    process.stdout.write(`agent mid-flush kill: ${JSON.stringify({ seed: SEED, ...kill, offlineWords: offlineWords.length, offlineMessages: offlineTexts.length })}\n`);
  }, 600_000);

  it('mid-upload of an attachment leaves no half blob, and the attachment can be sent again intact', async () => {
    const prng = new Prng(SEED ^ 0x55aa);
    const before = await anna.api.chat(workspaceId);
    const content = prng.bytes(ATTACHMENT_BYTES);
    let killedAt: { doneBytes: number; totalBytes: number } | undefined;
    // An attempt whose upload finished before the kill leaves a complete, unreferenced blob.
    let completedUploads = 0;
    const completeBlobs = (): unknown => readServerStore(cluster.server.storePath, (db) => db.prepare('SELECT count(*) FROM blobs WHERE complete = 1', { pluck: true }).get());
    const blobsBefore = Number(completeBlobs());

    for (let attempt = 0; attempt < 3 && killedAt === undefined; attempt++) {
      const events = await AgentEvents.connect(tero.api);
      try {
        // Kill at a seeded point of the upload: once at least this share of it was sent.
        const share = prng.float() * 0.7 + 0.05;
        const midway = events.nextTransfer(
          (e) => e.progress.direction === 'upload' && e.progress.doneBytes >= share * e.progress.totalBytes && e.progress.doneBytes < e.progress.totalBytes,
        );
        const upload = tero.api.uploadAttachment(workspaceId, 'lausunto.pdf', 'application/pdf', content).then(
          () => 'completed' as const,
          () => 'failed' as const,
        );
        const progress = await midway;
        await tero.process.kill();
        if ((await upload) === 'failed') killedAt = { doneBytes: progress.progress.doneBytes, totalBytes: progress.progress.totalBytes };
        else completedUploads += 1;
      } finally {
        events.close();
      }
      await restartKilled(tero);
    }
    expect(killedAt, 'the agent was killed mid-upload in one of three attempts').toBeDefined();

    // The server dropped what the dead upload had written.
    await waitFor(() => readServerStore(cluster.server.storePath, (db) => db.prepare('SELECT count(*) FROM blobs WHERE complete = 0', { pluck: true }).get()) === 0, {
      what: 'no incomplete blob in the store',
    });
    // Nothing refers to the lost upload: the chat is what it was.
    for (const agent of agents) expect((await agent.api.chat(workspaceId)).length, agent.name).toBe(before.length);

    const attachment = await tero.api.uploadAttachment(workspaceId, 'lausunto.pdf', 'application/pdf', content);
    expect(attachment.sha256).toBe(sha256(content));
    await tero.api.sendChat(workspaceId, 'Lausunto liitteenä', [attachment]);
    await waitForSameChat(agents, workspaceId, before.length + 1, 120_000);
    const downloaded = await anna.api.downloadAttachment(workspaceId, attachment.blobId);
    expect(sha256(downloaded)).toBe(sha256(content));
    expect(completeBlobs()).toBe(blobsBefore + completedUploads + 1);
    for (const agent of agents) expect((await agent.api.problems()).filter((p) => p.code !== 'offline'), agent.name).toEqual([]);
    process.stdout.write(`agent mid-upload kill: ${JSON.stringify({ seed: SEED, ...killedAt })}\n`);
  }, 600_000);
});
