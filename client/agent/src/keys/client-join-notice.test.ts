/**
 * A freshly enrolled client joins his case within seconds (issue 13): the server tells the
 * inviting device (`enrolment` notice over its socket) and its agent admits the client's
 * device at once, not at its next poll. The notice is only a hint to look: the agent
 * admits the device after checking the enrolment's proof itself. Polling is set to an hour
 * here, so only the notice can bring the client in within the test's time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@yhteispoyta/test-support/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '@yhteispoyta/server/app';
import type { RunningServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { TEST_ADMIN_TOKEN, certifyTestLog, issueProfessionalCode } from '@yhteispoyta/server/http/certified.testkit';
import type { Role } from '@yhteispoyta/crypto/types';
import type { Device } from '../account/device';
import { enrolDevice } from '../account/enrol';
import type { NewProblem } from '../contracts';
import type { SocketServerLink } from '../net/server-link';
import { createProfile } from '../profile/profile-db';
import type { ProfileDb } from '../profile/profile-db';
import { createKeysCore } from './keys-core';
import type { KeysCore } from './keys-core';

interface Agent {
  readonly device: Device;
  readonly link: SocketServerLink;
  readonly core: KeysCore;
  readonly problems: NewProblem[];
  readonly profile: ProfileDb;
}

let dir: string;
let server: RunningServer;
const agents: Agent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yp-client-join-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    SQLITE_PATH: join(dir, 'server.db'),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    RATE_PER_IP_PER_MINUTE: '1000000',
    RATE_PER_DEVICE_PER_MINUTE: '1000000',
  });
  server = await startServer({ config });
  await certifyTestLog(server);
});

afterAll(async () => {
  for (const agent of agents) {
    agent.core.close();
    await agent.link.close();
    agent.device.close();
    agent.profile.close();
  }
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startAgent(name: string, code: string): Promise<Agent> {
  const created = await createProfile(dir, name, 'salasana', { unsafeWeakKdfForTests: true });
  if (!created.ok) throw new Error(created.error);
  const enrolled = await enrolDevice(created.profile, { serverUrl: server.url, code });
  if (!enrolled.ok) throw new Error(`${enrolled.code}: ${enrolled.message}`);
  const device = enrolled.device;
  await device.login();
  const problems: NewProblem[] = [];
  const sink = { report: (p: NewProblem) => problems.push(p) };
  const link = device.connect(sink, { reconnectDelayMs: 50 });
  const core = createKeysCore({ device, link, problems: sink, clientPollMs: NO_POLL_MS });
  const agent = { device, link, core, problems, profile: created.profile };
  agents.push(agent);
  await waitUntil(`${name} online`, () => link.status() === 'online');
  await core.refresh();
  return agent;
}

async function professional(name: string, orgId: string, role: Exclude<Role, 'client'>): Promise<Agent> {
  const issued = await issueProfessionalCode(server, { orgId, role, displayName: name });
  const agent = await startAgent(name.toLowerCase().replace(/[^a-z]+/g, '-'), issued.code);
  await issued.certify();
  await waitUntil(`${name} certified`, () => agent.core.devices.certification().state === 'certified');
  return agent;
}

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
