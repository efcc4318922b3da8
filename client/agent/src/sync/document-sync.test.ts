import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Y from 'yjs';
import { SyncWorld } from './testkit/sync-world';
import type { WorldAgent } from './testkit/sync-world';
import { edit } from './testkit/local-edit';

const PLAN = 'doc:plan';
let world: SyncWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

function ws(): string {
  if (world === undefined) throw new Error('no world');
  return world.workspaceId;
}

async function text(agent: WorldAgent, stream = PLAN): Promise<Y.Text> {
  const doc = await agent.sync.documents.open(ws(), stream);
  return doc.getText('t');
}

async function hashes(agents: readonly WorldAgent[], stream = PLAN): Promise<string[]> {
  return Promise.all(agents.map((a) => a.sync.documents.stateHash(ws(), stream)));
}

function codes(agent: WorldAgent): string[] {
  return agent.problems.map((p) => p.code);
}

describe('DocumentSync on the real relay core', () => {
  it('converges concurrent edits of three agents to the same state and hash', async () => {
    world = await SyncWorld.create(['anna', 'ben', 'cai']);
    const [a, b, c] = world.agents as [WorldAgent, WorldAgent, WorldAgent];
    const [ta, tb, tc] = [await text(a), await text(b), await text(c)];
    await world.settle();
    for (let round = 0; round < 5; round++) {
      edit(ta, (x) => x.insert(0, `a${round} `));
      edit(tb, (x) => x.insert(tb.length, ` b${round}`));
      edit(tc, (x) => x.insert(Math.floor(tc.length / 2), `c${round}`));
      if (round % 2 === 1) {
        const doc = await b.sync.documents.open(ws(), PLAN);
        edit(doc.getMap('facts'), (m) => m.set(`k${round}`, round));
        edit(ta, (x) => x.format(0, 2, { bold: true }));
        edit(tc, (x) => x.delete(0, 1));
      }
      await world.settle();
    }
    expect(ta.toString()).toBe(tb.toString());
    expect(tb.toString()).toBe(tc.toString());
    expect(ta.toString()).toContain('b4');
    const [ha, hb, hc] = await hashes([a, b, c]);
    expect(ha).toMatch(/^[0-9a-f]{64}$/);
    expect(hb).toBe(ha);
    expect(hc).toBe(ha);
    expect([...codes(a), ...codes(b), ...codes(c)]).toEqual([]);
    // The server holds only ciphertext: the plan's words appear nowhere in what it stored.
    const stored = (await world.records()).map((r) => Buffer.from(r.stored.envelope.ciphertext).toString('latin1'));
    expect(stored.some((s) => s.includes('a4'))).toBe(false);
  });

  it('commits received edits and the settling of its acknowledged sends without waiting for the disk, and its own edits durably', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    const [a, b] = world.agents as [WorldAgent, WorldAgent];
    const [ta, tb] = [await text(a), await text(b)];
    await world.settle();
    // What ben's commits run at: `synchronous` as each outermost transaction's work ends.
    const profile = b.profile;
    const synchronous = (): number => Number(profile.db.pragma('synchronous', { simple: true }));
    const plain = profile.transaction.bind(profile);
    const refetchable = profile.refetchableTransaction.bind(profile);
    const commits: { kind: 'durable' | 'refetchable'; synchronous: number }[] = [];
    let depth = 0;
    const observed = <T>(kind: 'durable' | 'refetchable', run: (work: () => T) => T, work: () => T): T => {
      depth += 1;
      try {
        return run(() => {
          const result = work();
          if (depth === 1) commits.push({ kind, synchronous: synchronous() });
          return result;
        });
      } finally {
        depth -= 1;
      }
    };
    vi.spyOn(profile, 'transaction').mockImplementation((work) => observed('durable', plain, work));
    vi.spyOn(profile, 'refetchableTransaction').mockImplementation((work) => observed('refetchable', refetchable, work));

    edit(ta, (x) => x.insert(0, 'annan rivi'));
    await world.settle();
    expect(tb.toString()).toBe('annan rivi');
    const received = commits.filter((c) => c.kind === 'refetchable');
    expect(received.length).toBeGreaterThan(0);
    // Nothing inside the received batch asked for a durable commit (which would sync it).
    expect(received.every((c) => c.synchronous === 1)).toBe(true);

    commits.length = 0;
    edit(tb, (x) => x.insert(0, 'benin '));
    await world.settle();
    expect(ta.toString()).toBe('benin annan rivi');
    const own = commits.filter((c) => c.kind === 'durable');
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((c) => c.synchronous === 2)).toBe(true);
    // The edit was queued durably first; the server's ack settled it in a relaxed commit.
    const settled = commits.findIndex((c) => c.kind === 'refetchable');
    expect(settled).toBeGreaterThan(commits.findIndex((c) => c.kind === 'durable'));
    expect(commits.filter((c) => c.kind === 'refetchable').every((c) => c.synchronous === 1)).toBe(true);
    expect(b.sync.documents.status().pending).toBe(0);
    expect(synchronous()).toBe(2);
  });

  it('queues offline edits in the profile and sends them on reconnect, also after a restart', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    const [a, b] = world.agents as [WorldAgent, WorldAgent];
    const tb = await text(b);
    await text(a);
    await world.settle();
    a.link.setOnline(false);
    edit(await text(a), (x) => x.insert(0, 'kirjoitettu ilman yhteyttä'));
    await a.sync.documents.flush();
    expect(a.sync.documents.status()).toMatchObject({ link: 'offline', pending: 1 });
    await world.restart(a);
    expect((await text(a)).toString()).toBe('kirjoitettu ilman yhteyttä');
    expect(a.sync.documents.status().pending).toBe(1);
    await world.settle();
    expect(tb.toString()).toBe('');
    a.link.setOnline(true);
    await world.settle();
    expect(tb.toString()).toBe('kirjoitettu ilman yhteyttä');
    expect(a.sync.documents.status().pending).toBe(0);
    const [ha, hb] = await hashes([a, b]);
    expect(hb).toBe(ha);
  });

  it('converges under random concurrent inserts, deletions and formatting while agents drop offline and return', async () => {
    world = await SyncWorld.create(['anna', 'ben', 'cai']);
    const agents = world.agents;
    const texts = await Promise.all(agents.map((a) => text(a)));
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let round = 0; round < 12; round++) {
      texts.forEach((t, i) => {
        for (let k = 0; k < 3; k++) {
          const op = random();
          if (op < 0.5 || t.length < 3) edit(t, (x) => x.insert(Math.floor(random() * (t.length + 1)), `${i}${k}`));
          else if (op < 0.7) edit(t, (x) => x.delete(Math.floor(random() * (t.length - 1)), 1));
          else edit(t, (x) => x.format(Math.floor(random() * (t.length - 2)), 2, { bold: random() < 0.5 ? true : null }));
        }
      });
      agents.forEach((a) => a.link.setOnline(random() < 0.6));
      await world.settle();
    }
    agents.forEach((a) => a.link.setOnline(true));
    await world.settle();
    const [first, ...rest] = await hashes(agents);
    for (const h of rest) expect(h).toBe(first);
    expect(new Set(texts.map((t) => JSON.stringify(t.toDelta()))).size).toBe(1);
    expect(agents.flatMap((a) => a.problems)).toEqual([]);
  });
});

describe('what is sent, and separate lifecycles', () => {
  it('sends what the user did, keeps an untagged change local, and closing the documents leaves the chat running', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    const [a, b] = world.agents as [WorldAgent, WorldAgent];
    const [ta, tb] = [await text(a), await text(b)];
    await world.settle();
    edit(ta, (x) => x.insert(0, 'yhteinen'));
    ta.insert(0, 'oma ');
    await world.settle();
    expect(ta.toString()).toBe('oma yhteinen');
    expect(tb.toString()).toBe('yhteinen');

    await a.sync.chat.list(ws());
    await b.sync.chat.list(ws());
    await a.sync.documents.close();
    await expect(a.sync.documents.open(ws(), PLAN)).rejects.toThrow(/closed/);
    await a.sync.chat.send(ws(), 'asiakirjat kiinni, keskustelu jatkuu');
    await world.settle();
    await expect.poll(async () => (await b.sync.chat.list(ws())).map((m) => m.text)).toEqual(['asiakirjat kiinni, keskustelu jatkuu']);
    expect((await a.sync.chat.list(ws()))[0]).toMatchObject({ pending: false });
  });
});
