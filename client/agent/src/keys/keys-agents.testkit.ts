/**
 * The real server in this process with key-layer agents on it (profile, enrolled device,
 * socket link, KeysCore), for the keys folder's cross-agent tests: one set-up instead of a
 * copy in each test file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@yhteispoyta/test-support/wait';
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

/** One agent of the key layer. */
export interface KeysAgent {
  readonly device: Device;
  readonly link: SocketServerLink;
  readonly core: KeysCore;
  readonly problems: NewProblem[];
  readonly profile: ProfileDb;
}

/** The server and the agents started on it; `close()` stops them all and removes the files. */
export class KeysAgents {
  readonly #agents: KeysAgent[] = [];

  private constructor(
    readonly dir: string,
    readonly server: RunningServer,
    readonly clientPollMs: number,
  ) {}

  /** A fresh server (sqlite in a temporary directory, a certified log). */
  static async start(prefix: string, opts: { clientPollMs?: number } = {}): Promise<KeysAgents> {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      SQLITE_PATH: join(dir, 'server.db'),
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: 'silent',
      RATE_PER_IP_PER_MINUTE: '1000000',
      RATE_PER_DEVICE_PER_MINUTE: '1000000',
    });
    const server = await startServer({ config });
    await certifyTestLog(server);
    return new KeysAgents(dir, server, opts.clientPollMs ?? 100);
  }

  /** A profile enrolled with `code`, online, its key state read; its REST calls go through `opts.fetch` if given. */
  async startAgent(name: string, code: string, opts: { fetch?: typeof fetch } = {}): Promise<KeysAgent> {
    const created = await createProfile(this.dir, name, 'salasana', { unsafeWeakKdfForTests: true });
    if (!created.ok) throw new Error(created.error);
    const enrolled = await enrolDevice(created.profile, { serverUrl: this.server.url, code, ...(opts.fetch === undefined ? {} : { fetch: opts.fetch }) });
    if (!enrolled.ok) throw new Error(`${enrolled.code}: ${enrolled.message}`);
    const device = enrolled.device;
    await device.login();
    const problems: NewProblem[] = [];
    const sink = { report: (p: NewProblem) => problems.push(p) };
    const link = device.connect(sink, { reconnectDelayMs: 50 });
    const core = createKeysCore({ device, link, problems: sink, clientPollMs: this.clientPollMs });
    const agent = { device, link, core, problems, profile: created.profile };
    this.#agents.push(agent);
    await waitUntil(`${name} online`, () => link.status() === 'online');
    await core.refresh();
    return agent;
  }

  /** A professional of `orgId`, enrolled and certified by his organisation. */
  async professional(name: string, orgId: string, role: Exclude<Role, 'client'>): Promise<KeysAgent> {
    const issued = await issueProfessionalCode(this.server, { orgId, role, displayName: name });
    const agent = await this.startAgent(name.toLowerCase().replace(/[^a-z]+/g, '-'), issued.code);
    await issued.certify();
    await waitUntil(`${name} certified`, () => agent.core.devices.certification().state === 'certified');
    return agent;
  }

  async close(): Promise<void> {
    for (const agent of this.#agents) {
      agent.core.close();
      await agent.link.close();
      agent.device.close();
      agent.profile.close();
    }
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
