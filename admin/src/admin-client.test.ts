import { describe, expect, it } from 'vitest';
import { AdminClient, parseServerUrl } from './admin-client';
import { AdminError, ServerRefusedError } from './errors';

function answering(status: number, body: string, seen: { url?: string; init?: RequestInit } = {}): typeof fetch {
  return async (input, init) => {
    seen.url = String(input);
    seen.init = init;
    return new Response(body, { status });
  };
}

async function rejection(promise: Promise<unknown>): Promise<AdminError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AdminError);
  return error as AdminError;
}

describe('the admin REST client', () => {
  it('builds URLs from the route table and sends the bearer token', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const client = new AdminClient({ baseUrl: 'http://127.0.0.1:8787/', token: 'secret-token', fetch: answering(200, '{"enrolments":[]}', seen) });
    expect(await client.listOrgEnrolments('org_a-b')).toEqual([]);
    expect(seen.url).toBe('http://127.0.0.1:8787/v1/admin/orgs/org_a-b/enrolments');
    expect(new Headers(seen.init?.headers).get('authorization')).toBe('Bearer secret-token');
  });

  it('parses refusals as the protocol ErrorBody, anything else by status', async () => {
    const refused = await rejection(new AdminClient({
      baseUrl: 'http://x.invalid', token: 't', fetch: answering(409, '{"error":{"code":"conflict","message":"exists","id":"abc"}}'),
    }).listOrgs());
    expect(refused).toBeInstanceOf(ServerRefusedError);
    expect(refused).toMatchObject({ code: 'server_refused', status: 409, protocolCode: 'conflict', occurrenceId: 'abc', message: 'exists' });
    const html = await rejection(new AdminClient({ baseUrl: 'http://x.invalid', token: 't', fetch: answering(502, '<html>bad gateway</html>') }).listOrgs());
    expect(html).toMatchObject({ status: 502, protocolCode: 'http_502' });
  });

  it('refuses answers that do not follow the protocol', async () => {
    for (const body of ['', 'null', '{"orgs":[{"orgId":"x"}]}', '{"orgs":[],"extra":1}', 'not json']) {
      const error = await rejection(new AdminClient({ baseUrl: 'http://x.invalid', token: 't', fetch: answering(200, body) }).listOrgs());
      expect(error.code, body).toBe('bad_response');
    }
  });

  it('checks its own request bodies before sending', async () => {
    let called = false;
    const client = new AdminClient({ baseUrl: 'http://x.invalid', token: 't', fetch: async () => ((called = true), new Response('{}')) });
    const error = await rejection(client.issueEnrolmentCode({ codeId: 'not-a-code', orgId: 'o', role: 'teacher', displayName: 'X' }));
    expect(error.code).toBe('invalid_input');
    expect(called).toBe(false);
  });

  it('reports a server it cannot reach, and refuses bad URLs and tokens', async () => {
    const down = new AdminClient({ baseUrl: 'http://127.0.0.1:1', token: 't' });
    expect((await rejection(down.listOrgs())).code).toBe('server_unreachable');
    expect(() => parseServerUrl('ftp://x')).toThrow(AdminError);
    expect(() => parseServerUrl('http://user:pw@x')).toThrow(AdminError);
    expect(() => parseServerUrl('nonsense')).toThrow(AdminError);
    expect(parseServerUrl('https://example.org/base/')).toBe('https://example.org/base');
    expect(() => new AdminClient({ baseUrl: 'http://x', token: 'a b' })).toThrow(AdminError);
  });
});
