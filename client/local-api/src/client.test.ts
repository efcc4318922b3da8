/**
 * Calling routes by name: the URL, query and body a call sends, the answer parsed with
 * the route's schema, and every failure turned into an ApiFailure with a stable code.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiFailure, callRoute, openDownload } from './client';

const transport = { baseUrl: 'http://127.0.0.1:9', headers: { authorization: 'Bearer t' } };
const STATUS = { status: { state: 'locked', serverUrl: 'http://server', revision: 1 } };

function answer(status: number, body: unknown): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function stubFetch(response: Response | Error) {
  const fetchMock = vi.fn(async () => {
    if (response instanceof Error) throw response;
    return response;
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

function sent(fetchMock: ReturnType<typeof stubFetch>): { url: string; init: RequestInit } {
  const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  return { url, init };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('callRoute', () => {
  it('sends the JSON body to the route path and parses the answer', async () => {
    const fetchMock = stubFetch(answer(201, { ...STATUS, extra: 'a newer agent' }));
    await expect(callRoute(transport, 'createProfile', { body: { name: 'anna', passphrase: 'p' } })).resolves.toEqual(STATUS);
    const { url, init } = sent(fetchMock);
    expect(url).toBe('http://127.0.0.1:9/api/profiles');
    expect(init).toMatchObject({ method: 'POST', body: '{"name":"anna","passphrase":"p"}' });
    expect(init.headers).toEqual({ authorization: 'Bearer t', 'content-type': 'application/json' });
  });

  it('fills path parameters, sends an empty object where the body may be empty, and no body where none is taken', async () => {
    const devices = { devices: [], pending: [], canApprove: false };
    let fetchMock = stubFetch(answer(200, devices));
    await callRoute(transport, 'approveDevice', { params: { deviceId: '3' } });
    expect(sent(fetchMock)).toMatchObject({ url: 'http://127.0.0.1:9/api/devices/3/approve', init: { method: 'POST', body: '{}' } });

    fetchMock = stubFetch(answer(200, {}));
    await callRoute(transport, 'deleteChat', { params: { workspaceId: 'ws-1', messageId: 'm 1' } });
    const { url, init } = sent(fetchMock);
    expect(url).toBe('http://127.0.0.1:9/api/workspaces/ws-1/chat/m%201');
    expect(init.body).toBeUndefined();
  });

  it('uploads raw bytes with their query', async () => {
    const attachment = { blobId: 'b1', name: 'a.txt', type: 'text/plain', size: 1, sha256: 'f'.repeat(64) };
    const fetchMock = stubFetch(answer(201, { attachment, transferId: 't1' }));
    const file = new Uint8Array([1]);
    const result = await callRoute(transport, 'uploadAttachment', { params: { workspaceId: 'ws-1' }, query: { name: 'a b.txt', transferId: 't1' }, file, contentType: 'text/plain' });
    expect(result).toEqual({ attachment, transferId: 't1' });
    const { url, init } = sent(fetchMock);
    expect(url).toBe('http://127.0.0.1:9/api/workspaces/ws-1/attachments?name=a+b.txt&transferId=t1');
    expect(init).toMatchObject({ method: 'POST', body: file, headers: { 'content-type': 'text/plain' } });
  });

  it("turns a refusal into the agent's code, and anything else into agent_unreachable or bad_response", async () => {
    stubFetch(answer(409, { error: { code: 'not_ready', message: 'Unlock a profile first.' } }));
    await expect(callRoute(transport, 'listWorkspaces')).rejects.toMatchObject({ name: 'ApiFailure', status: 409, code: 'not_ready', message: 'Unlock a profile first.' });
    stubFetch(answer(500, 'oops'));
    await expect(callRoute(transport, 'status')).rejects.toMatchObject({ status: 500, code: 'bad_response' });
    stubFetch(new TypeError('connection refused'));
    await expect(callRoute(transport, 'status')).rejects.toMatchObject({ status: 0, code: 'agent_unreachable' });
    stubFetch(answer(200, 'not json'));
    await expect(callRoute(transport, 'status')).rejects.toMatchObject({ code: 'bad_response' });
    stubFetch(answer(200, { status: { state: 'asleep' } }));
    await expect(callRoute(transport, 'status')).rejects.toBeInstanceOf(ApiFailure);
  });
});

describe('openDownload', () => {
  it('answers the response whose body is the file, or throws the refusal', async () => {
    const fetchMock = stubFetch(new Response(new Uint8Array([7, 8]), { status: 200 }));
    const res = await openDownload(transport, 'downloadAttachment', { params: { workspaceId: 'ws-1', blobId: 'b1' }, query: { transferId: 'd1' } });
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([7, 8]));
    expect(sent(fetchMock).url).toBe('http://127.0.0.1:9/api/workspaces/ws-1/attachments/b1?transferId=d1');
    stubFetch(answer(404, { error: { code: 'not_found', message: 'No such attachment.' } }));
    await expect(openDownload(transport, 'downloadAttachment', { params: { workspaceId: 'ws-1', blobId: 'b1' } })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('the types of a call', () => {
  it('demand what a route needs and refuse what it does not take', () => {
    // Compile-time checks only: the calls are never made.
    const never = (): void => {
      // @ts-expect-error a device route needs its path parameter
      void callRoute(transport, 'approveDevice');
      // @ts-expect-error the body's fields are typed
      void callRoute(transport, 'createWorkspace', { body: { kind: 'meeting', label: 'x' } });
      // @ts-expect-error a download is opened, not parsed as JSON
      void callRoute(transport, 'downloadAttachment', { params: { workspaceId: 'w', blobId: 'b' } });
      void callRoute(transport, 'status');
      void callRoute(transport, 'lockProfile');
    };
    expect(typeof never).toBe('function');
  });
});
