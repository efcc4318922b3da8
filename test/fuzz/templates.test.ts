/**
 * The fuzzers' starting points: every route's template (rest-cases.ts), sent as it is,
 * is accepted by the server — once, for the templates that consume something (a code
 * id, a challenge, an organisation, a signed create event). A mutant is then one field
 * away from a request the server really accepts, so what a fuzz run reaches behind the
 * schemas (signature and certificate checks, code redemption, chain rules) stays
 * reached as the protocol changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { RouteSpec } from '@yhteispoyta/crypto/protocol';
import { buildFixtures } from './fixtures';
import type { FuzzFixtures } from './fixtures';
import { startFuzzServer } from './fuzz-server';
import type { FuzzServer } from './fuzz-server';
import { CURRENT_GENERATION, ROUTE_GENERATIONS, templateRequest } from './rest-cases';
import { checkRestReply } from './reply-check';
import { restAgent, sendRest } from './send-rest';

let dir: string;
let server: FuzzServer;
let fixtures: FuzzFixtures;
const agent = restAgent(1);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-fuzz-templates-'));
  server = await startFuzzServer(dir);
  fixtures = await buildFixtures(server.url, server.adminToken);
}, 120_000);

afterAll(async () => {
  agent.destroy();
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('fuzz templates', () => {
  it.each([...(ROUTE_GENERATIONS[CURRENT_GENERATION - 1] ?? [])])('%s: the template is accepted', async (route) => {
    const outcome = await sendRest(server.url, templateRequest(route, fixtures), agent);
    if (outcome.kind !== 'reply') throw new Error(`${route}: no answer (${outcome.message})`);
    const { status, body } = outcome.reply;
    expect({ route, status, body: status === 200 ? '' : Buffer.from(body).toString('utf8').slice(0, 300) }).toEqual({ route, status: 200, body: '' });
    // And the answer is the route's own response, as the fuzz judge requires of any 2xx.
    const spec: RouteSpec = REST_ROUTES[route];
    if (spec.stream !== 'download') expect(spec.response.safeParse(JSON.parse(Buffer.from(body).toString('utf8'))).success).toBe(true);
    expect(checkRestReply(outcome.reply)).toMatchObject({ ok: true });
  });
});
