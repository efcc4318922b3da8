/**
 * A device waiting for its own certification learns it even when the refresh its
 * `certificates` notice started fails: it looks again with backoff while it is pending and
 * online, instead of waiting for the ten-minute refresh of everyone's certificates. (A full
 * bench run of 250 devices waited four minutes for one of them.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { issueProfessionalCode } from '@yhteispoyta/server/http/certified.testkit';
import { KeysAgents } from './keys-agents.testkit';

let agents: KeysAgents;

beforeAll(async () => {
  agents = await KeysAgents.start('yp-own-cert-');
}, 60_000);

afterAll(async () => {
  await agents?.close();
});

describe('own certification', () => {
  it('is learnt without a second notice when the refresh after the first one failed', async () => {
    // The server answers every certificate query with 503 while `failing` holds.
    let failing = false;
    let failedQueries = 0;
    const flaky: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (failing && url.endsWith('/v1/certificates/query')) {
        failedQueries += 1;
        return new Response(JSON.stringify({ error: { code: 'unavailable', message: 'busy' } }), { status: 503, headers: { 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    };
    const issued = await issueProfessionalCode(agents.server, { orgId: 'county', role: 'social_worker', displayName: 'Sari Virtanen' });
    const sari = await agents.startAgent('sari', issued.code, { fetch: flaky });
    expect(sari.core.devices.certification().state).toBe('pending');

    failing = true;
    const before = failedQueries;
    await issued.certify();
    // The notice came and the refresh it started was refused by the busy server.
    await waitUntil('the refresh after the notice to fail', () => failedQueries > before);
    expect(sari.core.devices.certification().state).toBe('pending');
    failing = false;

    await waitUntil('sari to know herself certified', () => sari.core.devices.certification().state === 'certified', { timeoutMs: 30_000 });
  }, 60_000);
});
