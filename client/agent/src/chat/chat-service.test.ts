import { afterEach, describe, expect, it } from 'vitest';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { deviceKey, PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import { envelopeFrame } from '@yhteispoyta/crypto/protocol';
import type { ChatMessage } from '../contracts';
import { isOf, SyncWorld } from '../sync/testkit/sync-world';
import type { WorldAgent } from '../sync/testkit/sync-world';
import { encodeChatPayload } from './chat-payload';

let world: SyncWorld | undefined;
let WS = '';

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function texts(agent: WorldAgent): Promise<string[]> {
  return (await agent.sync.chat.list(WS)).map((m) => m.text);
}

async function three(): Promise<[SyncWorld, WorldAgent, WorldAgent, WorldAgent]> {
  const w = await SyncWorld.create(['anna', 'ben', 'cai']);
  world = w;
  WS = w.workspaceId;
  const agents = [w.agent('anna'), w.agent('ben'), w.agent('cai')] as const;
  for (const agent of agents) await agent.sync.chat.list(WS);
  await w.settle();
  return [w, ...agents];
}

describe('ChatService', () => {
  it('orders messages by server seq for everyone, with provable authors', async () => {
    const [w, a, b, c] = await three();
    await a.sync.chat.send(WS, 'Hei kaikki');
    await w.settle();
    await b.sync.chat.send(WS, 'Moi');
    await c.sync.chat.send(WS, 'Terve');
    await w.settle();
    await a.sync.chat.send(WS, 'Aloitetaan');
    await w.settle();
    const lists = await Promise.all([a, b, c].map((x) => x.sync.chat.list(WS)));
    const [la, lb, lc] = lists as [ChatMessage[], ChatMessage[], ChatMessage[]];
    expect(la.map((m) => m.text)).toHaveLength(4);
    expect(lb.map((m) => [m.id, m.text, m.seq])).toEqual(la.map((m) => [m.id, m.text, m.seq]));
    expect(lc.map((m) => [m.id, m.text, m.seq])).toEqual(la.map((m) => [m.id, m.text, m.seq]));
    expect(la[0]?.text).toBe('Hei kaikki');
    expect(la[3]?.text).toBe('Aloitetaan');
    const seqs = la.map((m) => m.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(lb.find((m) => m.text === 'Moi')?.author).toEqual(b.ref);
    expect(lc.find((m) => m.text === 'Hei kaikki')).toMatchObject({ author: a.ref, authorOrgId: 'org-anna', verified: true, pending: false });
    expect([...a.problems, ...b.problems, ...c.problems]).toEqual([]);
  });

  it('shows a message as pending until the server has it, sends it on reconnect and after a restart', async () => {
    const [w, a, b] = await three();
    a.link.setOnline(false);
    const sent = await a.sync.chat.send(WS, 'Lähetetään myöhemmin');
    expect(sent).toMatchObject({ pending: true, seq: 0, author: a.ref, authorName: 'Agent anna' });
    await w.restart(a);
    expect(await a.sync.chat.list(WS)).toMatchObject([{ id: sent.id, pending: true }]);
    expect(a.sync.documents.status().pending).toBe(1);
    await w.settle();
    expect(await texts(b)).toEqual([]);
    a.link.setOnline(true);
    await w.settle();
    expect(await texts(b)).toEqual(['Lähetetään myöhemmin']);
    const [mine] = await a.sync.chat.list(WS);
    expect(mine?.pending).toBe(false);
    expect(mine?.seq).toBeGreaterThan(0);
  });

  it('a retry after a lost acknowledgement never shows a message twice', async () => {
    const [w, a, b] = await three();
    const seen: string[] = [];
    b.sync.chat.onMessage((_ws, m) => seen.push(m.id));
    // The answers of this many of anna's coming pushes are lost after the server stored them (a timeout).
    let loseAcks = 1;
    w.intercept = (t) => {
      if (t.kind !== 'ack' || t.event !== 'push' || !isOf(t, a) || loseAcks === 0) return undefined;
      loseAcks -= 1;
      return 'drop';
    };
    const first = await a.sync.chat.send(WS, 'Vain kerran');
    await w.settle();
    // The lost ack: the server answered clock_replay to the retry, which proves it stored the first send.
    expect(w.refusals).toContainEqual({ event: 'push', code: 'clock_replay' });
    // And a lost ack followed by a reconnect: the catch-up returns our own envelope.
    loseAcks = 1;
    const second = await a.sync.chat.send(WS, 'Toinenkin kerran');
    while (loseAcks > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    a.link.setOnline(false);
    await w.settle();
    expect((await a.sync.chat.list(WS)).find((m) => m.id === second.id)?.pending).toBe(true);
    a.link.setOnline(true);
    await w.settle();
    expect(w.refusals.filter((r) => r.code === 'clock_replay')).toHaveLength(1);
    expect((await w.records('chat')).filter((r) => r.authorKey === deviceKey(a.ref))).toHaveLength(2);
    expect(await texts(b)).toEqual(['Vain kerran', 'Toinenkin kerran']);
    expect(seen.filter((id) => id === first.id)).toHaveLength(1);
    const mine = await a.sync.chat.list(WS);
    expect(mine.map((m) => [m.id, m.pending])).toEqual([
      [first.id, false],
      [second.id, false],
    ]);
    expect(mine.every((m) => m.seq > 0)).toBe(true);
    // A replayed chat envelope (stored again under a new seq) is reported and not shown again.
    const stored = (await w.records('chat'))[0]?.stored;
    if (stored === undefined) throw new Error('nothing stored');
    w.server.inject(b.link, 'envelope', { workspaceId: WS, stream: 'chat', stored: { ...stored, seq: 800 } });
    await w.settle();
    expect(b.problems.map((p) => p.code)).toEqual(['replay']);
    expect(await texts(b)).toEqual(['Vain kerran', 'Toinenkin kerran']);
  });

  it('honours edits and deletions only from the author', async () => {
    const [w, a, b, c] = await three();
    const message = await a.sync.chat.send(WS, 'Alkuperäinen');
    await w.settle();
    await a.sync.chat.edit(WS, message.id, 'Korjattu');
    await w.settle();
    expect((await b.sync.chat.list(WS))[0]).toMatchObject({ id: message.id, text: 'Korjattu', editedAt: expect.any(Number) });
    await expect(b.sync.chat.edit(WS, message.id, 'Ben muuttaa')).rejects.toThrow(RangeError);
    // Cai forges an edit of anna's message: signed by cai, so it is cai's, and refused by everyone.
    const forged = sealEnvelope({
      header: { v: PROTOCOL_VERSION, workspaceId: WS, stream: 'chat', kind: 'chat', epoch: 1, author: c.ref, clock: 1, snapshotId: '', sentAt: Date.now(), chainHead: await w.chainHead() },
      plaintext: encodeChatPayload({ t: 'edit', id: message.id, text: 'Väärennetty' }),
      epochKey: w.epochKey(1),
      identityKey: c.keyPair.privateKey,
    });
    expect(await c.link.request('push', { envelope: envelopeFrame(forged) })).toMatchObject({ ok: true });
    await w.settle();
    expect(a.problems.map((p) => [p.code, p.device?.userId])).toEqual([['forbidden', c.ref.userId]]);
    expect(b.problems.map((p) => [p.code, p.device?.userId])).toEqual([['forbidden', c.ref.userId]]);
    expect(await texts(b)).toEqual(['Korjattu']);
    await a.sync.chat.remove(WS, message.id);
    await w.settle();
    expect((await b.sync.chat.list(WS))[0]).toMatchObject({ id: message.id, deleted: true, text: '' });
    await expect(a.sync.chat.edit(WS, message.id, 'liian myöhään')).rejects.toThrow(RangeError);
  });

  it('refuses malformed payloads from members and invalid input from the UI', async () => {
    const [w, a, b, c] = await three();
    await expect(a.sync.chat.send(WS, '   ')).rejects.toThrow(RangeError);
    await expect(a.sync.chat.send(WS, 'ok\u202Eevil')).rejects.toThrow(RangeError);
    await expect(a.sync.chat.send('not a workspace!', 'x')).rejects.toThrow(RangeError);
    const junk = sealEnvelope({
      header: { v: PROTOCOL_VERSION, workspaceId: WS, stream: 'chat', kind: 'chat', epoch: 1, author: c.ref, clock: 1, snapshotId: '', sentAt: Date.now(), chainHead: await w.chainHead() },
      plaintext: new TextEncoder().encode('{"t":"msg","id":"x","text":"no attachments field"}'),
      epochKey: w.epochKey(1),
      identityKey: c.keyPair.privateKey,
    });
    expect(await c.link.request('push', { envelope: envelopeFrame(junk) })).toMatchObject({ ok: true });
    await w.settle();
    expect(b.problems.map((p) => p.code)).toEqual(['malformed']);
    expect(await texts(b)).toEqual([]);
    // The malformed envelope's clock was consumed: cai's next message is accepted.
    const next = sealEnvelope({
      header: { v: PROTOCOL_VERSION, workspaceId: WS, stream: 'chat', kind: 'chat', epoch: 1, author: c.ref, clock: 2, snapshotId: '', sentAt: Date.now(), chainHead: await w.chainHead() },
      plaintext: encodeChatPayload({ t: 'msg', id: 'second', text: 'Nyt oikein', attachments: [] }),
      epochKey: w.epochKey(1),
      identityKey: c.keyPair.privateKey,
    });
    expect(await c.link.request('push', { envelope: envelopeFrame(next) })).toMatchObject({ ok: true });
    await w.settle();
    expect(await texts(b)).toEqual(['Nyt oikein']);
    expect(b.problems.map((p) => p.code)).toEqual(['malformed']);
  });
});
