/**
 * The binding of the local-API table: a route without a handler (or a handler without a
 * route) stops the start; handlers get parsed parts; bad parts are the typed 400 before
 * the handler runs; answers go out with the table's status, stripped to the contract, and
 * an answer off the contract is a 500, never sent.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_API_ROUTES } from '@yhteispoyta/local-api';
import type { LocalRouteName } from '@yhteispoyta/local-api';
import { toApiError } from './errors';
import { sendError } from './http-util';
import { bindRoutes } from './route-binding';
import type { RouteHandlers } from './route-binding';

/** Every route answered by a handler that must not run, with `overrides` in their place. */
function handlers(overrides: Partial<Record<LocalRouteName, (call: unknown) => Promise<unknown>>> = {}): RouteHandlers {
  const all: Record<string, unknown> = {};
  for (const name of Object.keys(LOCAL_API_ROUTES)) all[name] = async () => Promise.reject(new Error(`${name} was not meant to run`));
  return { ...all, ...overrides } as unknown as RouteHandlers;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Serve `routes` as the agent does (without its auth) and return the base URL. */
async function serve(routes: RouteHandlers): Promise<string> {
  const router = bindRoutes(routes);
  const log = pino({ level: 'silent' });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://agent.invalid');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match.kind !== 'found') throw new Error(`test request to an unbound path ${url.pathname}`);
    match.target.serve(req, res, match.params, url.searchParams).catch((err: unknown) => sendError(res, toApiError(err, log)));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
}

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('bindRoutes', () => {
  it('refuses to start with a route of the table that has no handler', () => {
    const { listChat: _dropped, ...rest } = handlers() as Record<string, unknown>;
    expect(() => bindRoutes(rest as unknown as RouteHandlers)).toThrow(/no handler for route listChat/);
  });

  it('refuses to start with a handler for a route the table does not have', () => {
    expect(() => bindRoutes({ ...handlers(), exportEverything: async () => ({}) } as unknown as RouteHandlers)).toThrow(/does not have: exportEverything/);
  });

  it('hands the handler parsed parts and answers with the table status', async () => {
    const approve = vi.fn(async () => ({ devices: [], pending: [], canApprove: true }));
    const createProfile = vi.fn(async () => ({ status: { state: 'unlocked', serverUrl: 'http://server', profile: 'anna', revision: 1 } }));
    const url = await serve(handlers({ approveDevice: approve, createProfile }));

    expect(await post(`${url}/api/devices/7/approve`, {})).toEqual({ status: 200, json: { devices: [], pending: [], canApprove: true } });
    expect(approve).toHaveBeenCalledWith(expect.objectContaining({ params: { deviceId: 7 }, body: {}, query: undefined }));
    expect((await post(`${url}/api/profiles`, { name: 'anna', passphrase: 'p' })).status).toBe(201);
    expect(createProfile).toHaveBeenCalledWith(expect.objectContaining({ body: { name: 'anna', passphrase: 'p' } }));
  });

  it('answers a bad part with the typed 400 naming it, before the handler runs', async () => {
    const approve = vi.fn();
    const url = await serve(handlers({ approveDevice: approve }));
    expect(await post(`${url}/api/devices/200/approve`, {})).toMatchObject({ status: 400, json: { error: { code: 'bad_request', message: expect.stringMatching(/^Invalid deviceId:/) } } });
    expect(await post(`${url}/api/devices/2/approve`, { extra: 1 })).toMatchObject({ status: 400, json: { error: { code: 'bad_request', message: expect.stringMatching(/^Invalid body/) } } });
    expect(approve).not.toHaveBeenCalled();
  });

  it('strips what the contract does not name, and answers 500 for an answer off the contract', async () => {
    const url = await serve(handlers({
      listProfiles: async () => ({ profiles: ['anna'], passphrase: 'never sent' }),
      problems: async () => ({ problems: 'not a list' }),
    }));
    expect(await (await fetch(`${url}/api/profiles`)).json()).toEqual({ profiles: ['anna'] });
    const broken = await fetch(`${url}/api/problems`);
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ error: { code: 'internal', message: 'The agent could not complete the request; see its log.' } });
  });

  it('types every handler by its route', () => {
    const wrongAnswer = {
      // @ts-expect-error the answer of listProfiles is a list of names
      listProfiles: async () => ({ profiles: 3 }),
    } satisfies Partial<RouteHandlers>;
    const wrongPart = {
      // @ts-expect-error the path of approveDevice names a deviceId only
      approveDevice: async ({ params }) => ({ devices: [], pending: [], canApprove: params.userId === '' }),
    } satisfies Partial<RouteHandlers>;
    // @ts-expect-error a table route without its handler is a compile error
    const incomplete: RouteHandlers = { ...wrongAnswer, ...wrongPart };
    expect(incomplete).toBeDefined();
  });
});
