import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { coalesceWrites, releaseCorkedWrites } from './coalesced-writes';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const clean of cleanups.splice(0)) clean();
});

/** A connected pair on loopback: the server's end (coalesced) and what the client received. */
async function pair(): Promise<{ serverEnd: Socket; received: () => string }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [serverEnd] = (await once(server, 'connection')) as [Socket];
  let text = '';
  client.on('data', (chunk: Buffer) => (text += chunk.toString()));
  cleanups.push(() => {
    client.destroy();
    serverEnd.destroy();
    server.close();
  });
  coalesceWrites(serverEnd);
  return { serverEnd, received: () => text };
}

describe('coalesceWrites', () => {
  it('sends the writes of one run in one system call, in order, and does not hold them past the run', async () => {
    const { serverEnd, received } = await pair();
    const writev = vi.spyOn(serverEnd as unknown as { _writev: (...a: unknown[]) => void }, '_writev');
    for (let i = 0; i < 10; i++) serverEnd.write(`${i},`);
    expect(received()).toBe('');
    await vi.waitFor(() => expect(received()).toBe('0,1,2,3,4,5,6,7,8,9,'));
    expect(writev).toHaveBeenCalledTimes(1);
    expect((writev.mock.calls[0]?.[0] as unknown[]).length).toBe(10);
  });

  it('lets each later run write again: nothing stays corked', async () => {
    const { serverEnd, received } = await pair();
    serverEnd.write('a');
    await vi.waitFor(() => expect(received()).toBe('a'));
    serverEnd.write('b');
    await vi.waitFor(() => expect(received()).toBe('ab'));
    expect(serverEnd.writableCorked).toBe(0);
  });

  it('releaseCorkedWrites hands what a run holds to the system at once, and later writes of the run still leave', async () => {
    const { serverEnd, received } = await pair();
    const other = await pair();
    serverEnd.write('fan-out 1,');
    other.serverEnd.write('fan-out 2,');
    expect(serverEnd.writableCorked).toBe(1);
    expect(serverEnd.writableLength).toBeGreaterThan(0);
    releaseCorkedWrites();
    // Written to the kernel before this synchronous run goes on (a group commit's COMMIT would follow here).
    expect(serverEnd.writableCorked).toBe(0);
    expect(serverEnd.writableLength).toBe(0);
    expect(other.serverEnd.writableLength).toBe(0);
    serverEnd.write('ack,');
    expect(serverEnd.writableCorked).toBe(1);
    await vi.waitFor(() => expect(received()).toBe('fan-out 1,ack,'));
    await vi.waitFor(() => expect(other.received()).toBe('fan-out 2,'));
    expect(serverEnd.writableCorked).toBe(0);
    expect(other.serverEnd.writableCorked).toBe(0);
  });
});
