import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import { SyncWorld } from './testkit/sync-world';

let world: SyncWorld | undefined;
let WS = '';

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function texts(w: SyncWorld, name: string): Promise<string[]> {
  return (await w.agent(name).sync.chat.list(WS)).map((m) => m.text);
}

describe('epochs', () => {
  it('holds envelopes whose key has not arrived, reports the wait, and applies them when the key comes', async () => {
    world = await SyncWorld.create(['anna', 'ben'], { config: { keyWaitMs: 30 } });
    WS = world.workspaceId;
    const [a, b] = [world.agent('anna'), world.agent('ben')];
    await a.sync.chat.list(WS);
    await b.sync.chat.list(WS);
    await world.settle();
    world.epochKeys.set(2, randomBytes(32));
    await world.append(a, 'rotate_epoch', { epoch: 2 });
    a.keys.addEpochKey(WS, 2, world.epochKey(2));
    await a.sync.chat.send(WS, 'Uudella avaimella');
    await world.settle();
    expect(await texts(world, 'ben')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(b.problems.map((p) => p.code)).toEqual(['unknown_epoch']);
    b.keys.addEpochKey(WS, 2, world.epochKey(2));
    await world.settle();
    expect(await texts(world, 'ben')).toEqual(['Uudella avaimella']);
  });

  it('a member who joined later skips what was sealed before, without reporting gaps', async () => {
    world = await SyncWorld.create(['anna', 'ben']);
    WS = world.workspaceId;
    const a = world.agent('anna');
    await a.sync.chat.list(WS);
    await world.agent('ben').sync.chat.list(WS);
    await a.sync.chat.send(WS, 'ennen 1');
    await a.sync.chat.send(WS, 'ennen 2');
    await world.settle();
    world.epochKeys.set(2, randomBytes(32));
    await world.append(a, 'rotate_epoch', { epoch: 2 });
    for (const agent of world.agents) agent.keys.addEpochKey(WS, 2, world.epochKey(2));
    const dan = await world.addAgent('dan');
    await world.append(a, 'add_member', { member: world.memberInfo(dan) });
    dan.keys.addEpochKey(WS, 2, world.epochKey(2));
    await world.settle();
    await a.sync.chat.send(WS, 'jälkeen');
    await world.settle();
    await dan.sync.chat.list(WS);
    await world.settle();
    expect(await texts(world, 'dan')).toEqual(['jälkeen']);
    expect(await texts(world, 'ben')).toEqual(['ennen 1', 'ennen 2', 'jälkeen']);
    expect(dan.problems).toEqual([]);
  });
});
