/**
 * Regression (found by the full-size fuzz run, `npm run test:stress`): a request refused
 * before its body was read leaves the rest of the body to be read and thrown away; the
 * listener that stopped that on the socket's close stayed on a kept-alive socket after the
 * body ended, one more per refusal, until Node warned of a listener leak and the fuzz
 * target ran out of heap.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from './api.testkit';
import type { ApiServer } from './api.testkit';

let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
});

afterAll(async () => {
  await server.close();
});

/** POST `body` without a token on `agent`'s kept-alive socket; resolves with the status. */
function refusedPost(agent: Agent, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/v1/workspaces`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('a refusal before the body was read', () => {
  it('leaves no listener behind on a kept-alive socket, however many refusals it carries', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ padding: 'x'.repeat(64 * 1024) });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push(await refusedPost(agent, body));
      expect(new Set(statuses)).toEqual(new Set([401]));
      // A warning is emitted on the next tick after the listener that crossed the limit.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    } finally {
      agent.destroy();
      process.off('warning', onWarning);
    }
  });
});
