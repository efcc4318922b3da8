/**
 * The agent's local store at rest (docs/design.md §5: SQLCipher keyed from the passphrase by a
 * slow KDF), with real agent processes after real use: unique canaries are planted in
 * the plan, a chat message, an attachment's name and its content, and reach the other
 * agent. Then, for both agents' profile files — while running, after a clean stop and
 * after a SIGKILL that leaves a WAL behind — no canary appears in any encoding; the
 * database cannot be read without its key or with a wrong one; a wrong passphrase
 * (through the agent's API and through openProfile) leaves every file byte-identical
 * with unchanged mtimes. As controls, the right passphrase opens the profile, the agent
 * shows every canary again, and a plaintext export of the profile does contain the
 * canaries, so the scans above could have found them.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { openProfile, profileFiles } from '@yhteispoyta/agent/profile/profile-db';
import { filesUnder, scanFiles } from '../integration/byte-scan';
import { waitForSameChat } from '../integration/convergence';
import { ANNA, AgentApiError, Cluster, SINI, sleep, waitFor } from '../integration/harness';
import type { ClusterAgent, PlanEditor } from '../integration/harness';
import { fileHead, pictureOf, readWithoutKey, SQLITE_HEADER } from './profile-files';

const tag = toHex(randomBytes(6));
const canaries = {
  plan: `SUUNNITELMAKANARIA${tag}`,
  chat: `VIESTIKANARIA${tag}`,
  fileName: `LIITENIMIKANARIA${tag}`,
  content: `SISALTOKANARIA${tag}`,
};
/** Canaries that the profile itself stores (encrypted); attachment content lives only on the server, encrypted. */
const storedCanaries = [canaries.plan, canaries.chat, canaries.fileName];
const allCanaries = Object.values(canaries);

let cluster: Cluster;
let anna: ClusterAgent;
let sini: ClusterAgent;
let workspaceId: string;
let blobId: string;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'yp-local-store-'));
  cluster = await Cluster.start();
  ({ anna, sini } = await cluster.team({ anna: ANNA, sini: SINI }));
  ({ workspaceId } = await cluster.sharedWorkspace(anna, 'consultation', 'Paikallinen tallennus', [sini]));

  const editor: PlanEditor = await cluster.openEditor(anna, workspaceId);
  editor.appendParagraph(`Tavoite ${canaries.plan} kuntoutus`);
  const attachment = await anna.api.uploadAttachment(workspaceId, `${canaries.fileName}.txt`, 'text/plain', Buffer.from(`liite: ${canaries.content}`));
  blobId = attachment.blobId;
  await anna.api.sendChat(workspaceId, `Huomio ${canaries.chat}`, [attachment]);
  const siniEditor = await cluster.openEditor(sini, workspaceId);
  await waitFor(() => siniEditor.text().includes(canaries.plan), { timeoutMs: 60_000, what: 'sini to receive the plan' });
  await waitForSameChat([anna, sini], workspaceId, 1);
  expect((await sini.api.downloadAttachment(workspaceId, blobId)).toString('utf8')).toContain(canaries.content);
}, 300_000);

afterAll(async () => {
  await cluster?.close();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
}, 60_000);

function profileDirFiles(agent: ClusterAgent): string[] {
  return filesUnder(agent.process.profilesDir);
}

describe("an agent's profile at rest", () => {
  it('holds no canary in any file while the agents run, after a clean stop, and after a SIGKILL', async () => {
    await sleep(500);
    const running = scanFiles([...profileDirFiles(anna), ...profileDirFiles(sini)], allCanaries);
    expect(running).toEqual([]);

    await anna.process.kill();
    await sini.process.stop();
    const files = [...profileDirFiles(anna), ...profileDirFiles(sini)];
    // The crash left anna's write-ahead log behind: it is scanned too.
    expect(files.some((f) => f.endsWith('.profile.db-wal'))).toBe(true);
    expect(scanFiles(files, allCanaries)).toEqual([]);
  });

  it('cannot be read without the key or with a wrong key', () => {
    for (const agent of [anna, sini]) {
      const { db } = profileFiles(agent.process.profilesDir, agent.profile);
      // A copy, so that no open attempt can touch the profile itself.
      const copy = join(scratch, `${agent.name}-copy.db`);
      copyFileSync(db, copy);
      expect(fileHead(copy, SQLITE_HEADER.length).equals(SQLITE_HEADER)).toBe(false);
      expect(readWithoutKey(copy)).toMatch(/not a database/);
      expect(readWithoutKey(copy, toHex(randomBytes(32)))).toMatch(/not a database/);
    }
  });

  it('is left byte-identical by a wrong passphrase, through the API and through openProfile', async () => {
    const dir = anna.process.profilesDir;
    await anna.process.restart();
    const before = pictureOf(dir);
    // The profile's files, and the agent's lasting address (port and token; no profile data).
    expect(Object.keys(before).sort()).toEqual(['agent-address.json', `${anna.profile}.profile.db`, `${anna.profile}.profile.db-wal`, `${anna.profile}.profile.json`]);
    await sleep(30); // so that a write would show in the mtimes
    const refused = await anna.api.unlock(anna.profile, `${anna.passphrase} väärin`).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AgentApiError);
    expect(refused).toMatchObject({ status: 403, code: 'wrong_passphrase' });
    expect((await anna.api.status()).state).toBe('locked');
    expect(pictureOf(dir)).toEqual(before);
    await anna.process.stop();

    expect(await openProfile(dir, anna.profile, 'aivan väärä salasana')).toMatchObject({ ok: false, error: 'wrong_passphrase' });
    expect(pictureOf(dir)).toEqual(before);
  });

  it('opens with the right passphrase: the agent shows every canary again, and a plaintext export contains them', async () => {
    await anna.process.restart();
    expect((await anna.api.unlock(anna.profile, anna.passphrase)).state).toBe('ready');
    const chat = await anna.api.chat(workspaceId);
    expect(chat.map((m) => m.text)).toEqual([`Huomio ${canaries.chat}`]);
    expect(chat[0]?.attachments.map((a) => a.name)).toEqual([`${canaries.fileName}.txt`]);
    expect((await anna.api.downloadAttachment(workspaceId, blobId)).toString('utf8')).toContain(canaries.content);
    const editor = await cluster.openEditor(anna, workspaceId);
    expect(editor.text()).toContain(canaries.plan);
    cluster.closeEditor(editor);
    await anna.process.stop();

    // Control for the scans: decrypted, the same profile does contain what was planted.
    const opened = await openProfile(anna.process.profilesDir, anna.profile, anna.passphrase);
    if (!opened.ok) throw new Error(`control open failed: ${opened.error}`);
    const plain = join(scratch, 'anna-plaintext.db');
    try {
      opened.profile.db.exec(`ATTACH DATABASE '${plain}' AS plaintext KEY ''; SELECT sqlcipher_export('plaintext'); DETACH DATABASE plaintext;`);
    } finally {
      opened.profile.close();
    }
    const found = new Set(scanFiles([plain], storedCanaries).map((hit) => hit.needle));
    expect([...found].sort()).toEqual([...storedCanaries].sort());
  });
});
