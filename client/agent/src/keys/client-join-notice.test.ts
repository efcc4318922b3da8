/**
 * A freshly enrolled client joins his case within seconds (issue 13): the server tells the
 * inviting device (`enrolment` notice over its socket) and its agent admits the client's
 * device at once, not at its next poll. The notice is only a hint to look: the agent
 * admits the device after checking the enrolment's proof itself. Polling is set to an hour
 * here, so only the notice can bring the client in within the test's time.
 */
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeysAgents } from './keys-agents.testkit';
import type { KeysAgent } from './keys-agents.testkit';
import type { Role } from '@yhteispoyta/crypto/types';

type Agent = KeysAgent;

let world: KeysAgents;

beforeAll(async () => {
  world = await KeysAgents.start('yp-client-join-', { clientPollMs: NO_POLL_MS });
});

afterAll(async () => {
  await world?.close();
});

const startAgent = (name: string, code: string): Promise<Agent> => world.startAgent(name, code);
const professional = (name: string, orgId: string, role: Exclude<Role, 'client'>): Promise<Agent> => world.professional(name, orgId, role);

/** Longer than the test: only the notice can bring the client in. */
const NO_POLL_MS = 3_600_000;

describe('a client joining his case', () => {
  it('is in the chain on every agent within seconds of enrolling, by the enrolment notice', async () => {
    const sari = await professional('Sari Virtanen', 'hyvinvointialue', 'social_worker');
    const { workspaceId } = await sari.core.membership.create('case', 'Asiakassuunnitelma');
    const invitation = await sari.core.membership.inviteClient(workspaceId, 'Jani Asiakas');
    const started = Date.now();
    const jani = await startAgent('jani', invitation.code);
    await waitUntil('jani is in the chain on his own agent', () => jani.core.keyRing.chainState(workspaceId)?.members.get(invitation.userId)?.devices.length === 1, { timeoutMs: 10_000 });
    const joinedMs = Date.now() - started;
    process.stdout.write(`client joined ${joinedMs} ms after starting to enrol\n`);
    expect(joinedMs).toBeLessThan(10_000);
    // The name Sari typed, everywhere: in her member list and in her safety numbers.
    await waitUntil('sari names jani', async () => (await sari.core.membership.list())[0]?.members.find((m) => m.role === 'client')?.displayName === 'Jani Asiakas');
    const identities = await sari.core.membership.identities(workspaceId);
    expect(identities.find((i) => i.kind === 'client')?.displayName).toBe('Jani Asiakas');
  });
});
