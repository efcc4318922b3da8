/**
 * The "Liitteet" list across real agents on the in-process relay: a file delivered once in
 * the chat is answered again by pointing at it from a statement (no second upload), and
 * every agent lists it once with both uses, its first sharer and his organisation from the
 * verified chain; a deleted message's file leaves the list; an attachment nobody in the
 * workspace carries cannot be pointed at.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import type { RecordAction } from '@yhteispoyta/local-api';
import { UnknownAttachmentError } from '../chat/unknown-attachment';
import type { MemberView } from '../contracts';
import { SyncWorld } from '../sync/testkit/sync-world';
import type { WorldAgent } from '../sync/testkit/sync-world';
import { listWorkspaceFiles } from './case-files';
import { CaseFileError } from './case-file-error';
import { workspaceFiles } from './workspace-files';

let world: SyncWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The members with certified names, as the MembershipService would give them. */
function membersOf(w: SyncWorld, agents: readonly WorldAgent[]): MemberView[] {
  return agents.map((a) => ({ ...w.memberInfo(a), displayName: `Name of ${a.name}`, orgName: `Org of ${a.name}`, certified: true, uncertifiedDevices: [] }));
}

function listOf(w: SyncWorld, agent: WorldAgent, agents: readonly WorldAgent[]) {
  const members = membersOf(w, agents);
  return listWorkspaceFiles(
    { chat: agent.sync.chat, records: agent.sync.records, membership: { list: async () => [{ workspaceId: w.workspaceId, members } as never] } },
    w.workspaceId,
  );
}

describe('workspace files', () => {
  it('lists a file shared in the chat and pointed at by a statement once, with both uses, on every agent — uploaded once', async () => {
    const w = await SyncWorld.create(['anna', 'ben', 'cai']);
    world = w;
    const WS = w.workspaceId;
    const [a, b, c] = [w.agent('anna'), w.agent('ben'), w.agent('cai')];
    for (const agent of [a, b, c]) {
      await agent.sync.chat.list(WS);
      await agent.sync.records.list(WS);
    }
    await w.settle();
    const bytes = randomBytes(3000);
    const ref = await a.sync.chat.uploadAttachment(WS, { name: 'päätös-äöå.pdf', type: 'application/pdf', bytes });
    const message = await a.sync.chat.send(WS, 'Kelan päätös liitteenä', [ref]);
    const request: RecordAction = { t: 'request', to: { kind: 'org', orgId: 'org-ben' }, subject: 'Lisäselvitys', question: 'Onko päätös saatu?', reason: 'Käsittely', due: '2026-12-15' };
    const asked = await a.sync.records.send(WS, request);
    await w.settle();

    // ben answers with the file he received in the chat: he picks it from his list, nothing is uploaded.
    const [offered] = await listOf(w, b, [a, b, c]);
    expect(offered).toMatchObject({ blobId: ref.blobId, name: 'päätös-äöå.pdf', uses: [{ where: 'chat', id: message.id }] });
    if (offered === undefined) throw new Error('no file offered');
    const { blobId, name, type, size, sha256 } = offered;
    const answer = await b.sync.records.send(WS, { t: 'statement', content: 'Päätös on saatu.', reasons: 'Liitteenä', answers: asked.id, attachments: [{ blobId, name, type, size, sha256 }] });
    await w.settle();

    for (const agent of [a, b, c]) {
      const files = await listOf(w, agent, [a, b, c]);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatchObject({
        blobId: ref.blobId, sha256: ref.sha256, size: 3000,
        sharedBy: { userId: a.ref.userId, displayName: 'Name of anna', orgId: 'org-anna', orgName: 'Org of anna' },
        sharedAt: expect.any(Number) as number,
        uses: [
          { where: 'chat', id: message.id, by: { userId: a.ref.userId }, pending: false },
          { where: 'statement', id: answer.id, by: { userId: b.ref.userId, orgId: 'org-ben', orgName: 'Org of ben' }, pending: false },
        ],
      });
    }
    // The statement's attachment opens for cai with the key the statement carried, and it is the same blob.
    const carried = c.sync.records.attachment(WS, ref.blobId);
    expect(carried).toEqual(ref);
    if (carried === undefined) throw new Error('no attachment');
    expect(Buffer.from(await c.sync.chat.downloadAttachment(WS, carried)).equals(bytes)).toBe(true);
    expect(await c.sync.records.get(WS, asked.id)).toMatchObject({ status: 'answered', answeredBy: answer.id });

    // A file used by a deleted message only leaves the list; one nobody carries cannot be pointed at.
    const other = await a.sync.chat.uploadAttachment(WS, { name: 'luonnos.txt', type: 'text/plain', bytes: randomBytes(10) });
    const draft = await a.sync.chat.send(WS, '', [other]);
    await w.settle();
    expect((await listOf(w, c, [a, b, c])).map((f) => f.name)).toEqual(['luonnos.txt', 'päätös-äöå.pdf']);
    await a.sync.chat.remove(WS, draft.id);
    await w.settle();
    expect((await listOf(w, c, [a, b, c])).map((f) => f.name)).toEqual(['päätös-äöå.pdf']);
    const foreign = { blobId: 'no-such-blob', name: 'x.pdf', type: 'application/pdf', size: 1, sha256: '0'.repeat(64) };
    await expect(b.sync.records.send(WS, { t: 'statement', content: 'x', reasons: 'y', attachments: [foreign] })).rejects.toThrow(UnknownAttachmentError);
    await expect(listWorkspaceFiles({ chat: c.sync.chat, records: c.sync.records, membership: { list: async () => [] } }, WS)).rejects.toThrow(CaseFileError);
  });

  it('keeps a blob named with another hash apart: that is another file, not a second use', () => {
    const by = { userId: 'u', deviceId: 1 };
    const message = (id: string, sha256: string, seq: number) => ({
      id, workspaceId: 'ws', author: by, text: '', attachments: [{ blobId: 'b1', name: 'a.pdf', type: 'application/pdf', size: 1, sha256 }],
      sentAt: seq, seq, deleted: false, verified: true, pending: false,
    });
    const files = workspaceFiles({ messages: [message('m1', 'a'.repeat(64), 1), message('m2', 'b'.repeat(64), 2), message('m3', 'a'.repeat(64), 3)], records: [], personOf: (userId) => ({ userId, orgId: null }) });
    expect(files.map((f) => [f.sha256[0], f.uses.map((u) => u.id)])).toEqual([['b', ['m2']], ['a', ['m1', 'm3']]]);
  });
});
