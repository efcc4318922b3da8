/**
 * Canary: unique random strings are planted in the plan text, in a chat message, in an
 * attachment's file name and in its content, in a presence (awareness) state, as the
 * workspace's label and the purpose of the client's consent (the signed chain carries only
 * commitments to them; the texts travel inside key messages — issue 15), and as the name of
 * an invited client (a commitment in his certificate, the name inside key messages). Three
 * agents and the client share them through a real server logging at `trace`. None of them
 * may appear in any byte the server wrote — its store file and -wal/-shm, its captured
 * stdout/stderr, everything in its TMPDIR — in UTF-8, UTF-16LE, hex or base64, neither while
 * it runs nor after it stopped. The controls: every canary IS in the agents' own decrypted
 * views, and the workspace's id (which the server keeps, opaque) and a professional's name
 * (public in his certificate by design) ARE found by the same scan, so the scan
 * demonstrably reads the right bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { filesUnder, scanFiles, totalBytes } from './byte-scan';
import { waitForSameChat, waitForSameHash } from './convergence';
import { ANNA, Cluster, SINI, TERO, waitFor } from './harness';
import type { ClusterAgent } from './harness';

const unique = () => toHex(randomBytes(16));
const canaries = {
  plan: `kanaria-suunnitelma-${unique()}`,
  chat: `kanaria-viesti-äö-${unique()}`,
  fileName: `kanaria-liite-${unique()}`,
  fileContent: `kanaria-sisältö-${unique()}`,
  presence: `kanaria-läsnäolo-${unique()}`,
  clientName: `Kanaria Asiakas ${unique()}`,
  label: `Kanaria-tunniste – lastensuojeluilmoitus ${unique()}`,
  purpose: `Kanaria-tarkoitus ${unique()}`,
};

let cluster: Cluster;
let anna: ClusterAgent;
let sini: ClusterAgent;
let tero: ClusterAgent;

beforeAll(async () => {
  cluster = await Cluster.start({ logLevel: 'trace' });
  // A low compaction threshold makes the agents seal snapshots too: more ciphertext kinds to scan.
  const args = ['--compaction-threshold', '5'];
  ({ anna, sini, tero } = await cluster.team({ anna: { ...ANNA, args }, sini: { ...SINI, args }, tero: { ...TERO, args } }));
}, 240_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

function scanServer(needles: string[]) {
  const files = filesUnder(cluster.server.dir);
  return { files, bytes: totalBytes(files), hits: scanFiles(files, needles) };
}

describe('canary', () => {
  it('no planted plaintext reaches any byte the server wrote, while every agent reads all of it', async () => {
    const agents = [anna, sini, tero];
    const { workspaceId } = await cluster.sharedWorkspace(anna, 'case', canaries.label, [sini, tero]);
    const [ea, es, et] = await Promise.all(agents.map((agent) => cluster.openEditor(agent, workspaceId)));
    if (ea === undefined || es === undefined || et === undefined) throw new Error('editors missing');

    ea.appendParagraph(`Asiakkaan oma kuvaus: ${canaries.plan} `);
    for (let i = 0; i < 12; i++) es.insertWord(`muokkaus${i}`);
    ea.provider.awareness.setLocalStateField('user', { name: canaries.presence, color: '#1a7f37' });

    const content = Buffer.from(`Liitteen alku\n${canaries.fileContent}\n${'täytettä '.repeat(20_000)}\n${canaries.fileContent}\nloppu`, 'utf8');
    const attachment = await sini.api.uploadAttachment(workspaceId, `${canaries.fileName}.txt`, 'text/plain', content);
    await sini.api.sendChat(workspaceId, `Katso liite: ${canaries.chat}`, [attachment]);

    // Controls: each canary is readable in the agents' own decrypted views.
    await waitForSameHash(agents, workspaceId);
    await waitFor(() => et.text().includes(canaries.plan), { what: 'the plan canary on tero' });
    const messages = await waitForSameChat(agents, workspaceId, 1);
    expect(messages[0]?.text).toContain(canaries.chat);
    expect(messages[0]?.attachments[0]?.name).toBe(`${canaries.fileName}.txt`);
    const downloaded = await tero.api.downloadAttachment(workspaceId, attachment.blobId);
    expect(downloaded.equals(content)).toBe(true);
    expect(downloaded.toString('utf8')).toContain(canaries.fileContent);
    await waitFor(
      () => [...et.provider.awareness.getStates().values()].some((state) => JSON.stringify(state).includes(canaries.presence)),
      { timeoutMs: 30_000, what: 'the presence canary on tero' },
    );
    // The invited client: anna's agent certifies him; the name she typed reaches the members encrypted.
    const invitation = await anna.api.invite(workspaceId, canaries.clientName);
    const client = await cluster.startAgent('client');
    await cluster.enrol(client, invitation.code);
    await waitFor(async () => (await sini.api.members(workspaceId)).some((m) => m.displayName === canaries.clientName), {
      timeoutMs: 60_000,
      what: "the client's name in sini's member list",
    });
    // The client's consent: its purpose reaches the members inside key messages only.
    const orgIds = [...new Set((await anna.api.members(workspaceId)).filter((m) => m.role !== 'client').map((m) => m.orgId))];
    await waitFor(async () => (await client.api.workspaces()).some((w) => w.workspaceId === workspaceId && w.label === canaries.label), {
      timeoutMs: 60_000,
      what: 'the label on the client',
    });
    await client.api.grantConsent(workspaceId, orgIds, canaries.purpose);
    await waitFor(async () => (await tero.api.workspaces()).some((w) => w.workspaceId === workspaceId && w.consent?.purpose === canaries.purpose), {
      timeoutMs: 60_000,
      what: "the consent's purpose on tero",
    });
    for (const agent of agents) expect((await agent.api.workspaces()).find((w) => w.workspaceId === workspaceId)?.label).toBe(canaries.label);
    const controls = [workspaceId, SINI.displayName];

    const needles = Object.values(canaries);
    const running = scanServer([...needles, ...controls]);
    expect(running.files.map((f) => f.slice(cluster.server.dir.length))).toEqual(
      expect.arrayContaining(['/server.db', '/server.db-wal', '/server.stdout.log', '/server.stderr.log']),
    );
    expect(running.hits.filter((h) => !controls.includes(h.needle))).toEqual([]);
    // Control of the scan itself: what the server does keep in the clear is found in its store.
    for (const control of controls) {
      expect(running.hits.some((h) => h.needle === control && (h.file.endsWith('server.db') || h.file.endsWith('server.db-wal'))), control).toBe(true);
    }
    // The server did log the requests that carried the canaries: a logged body would have been caught.
    expect(cluster.server.output().stdout).toContain('"route":"uploadBlob"');

    // After a clean stop the WAL is folded into the store file: scan once more.
    await cluster.server.stop();
    const stopped = scanServer([...needles, ...controls]);
    expect(stopped.hits.filter((h) => !controls.includes(h.needle))).toEqual([]);
    for (const control of controls) expect(stopped.hits.some((h) => h.needle === control), control).toBe(true);
    expect(stopped.bytes).toBeGreaterThan(content.length);

    // The agents' own logs must not carry plaintext either.
    for (const agent of agents) {
      const hits = scanFiles(filesUnder(agent.process.dir).filter((f) => f.endsWith('.log')), needles);
      expect(hits, agent.name).toEqual([]);
    }
  }, 300_000);
});
