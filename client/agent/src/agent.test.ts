import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentHost } from './agent';
import type { SessionFactory, SessionParts } from './agent';
import type { AgentEvent } from './api/event-hub';
import { FakeWorld, fakeSessionFactory } from './api/session-fakes.testkit';
import { testConfig } from './api/test-agent.testkit';
import { openProfile } from './profile/profile-db';

const PASS = 'pitkä salasana';
let dir: string;
let world: FakeWorld;
const hosts: AgentHost[] = [];

function newHost(factory: SessionFactory = fakeSessionFactory(world), flushTimeoutMs?: number): AgentHost {
  const host = new AgentHost({ config: testConfig(dir), factory, unsafeWeakKdfForTests: true, ...(flushTimeoutMs ? { flushTimeoutMs } : {}) });
  hosts.push(host);
  return host;
}

async function enrolledProfile(host: AgentHost, name = 'anna'): Promise<void> {
  expect((await host.createProfile(name, PASS)).ok).toBe(true);
  const code = world.issueCode({ userId: `u-${name}`, orgId: 'kela', role: 'kela_expert', displayName: name });
  expect(await host.enrol(code)).toMatchObject({ ok: true, status: { state: 'ready' } });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'yp-host-'));
  world = new FakeWorld();
});
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('AgentHost', () => {
  it('serialises state changes: concurrent unlocks open the profile once', async () => {
    const host = newHost();
    await host.createProfile('anna', PASS);
    await host.lock();
    const results = await Promise.all([host.unlock('anna', PASS), host.unlock('anna', PASS), host.lock(), host.unlock('anna', PASS)]);
    expect(results.map((r) => ('ok' in r ? (r.ok ? 'ok' : r.error) : r.state))).toEqual(['ok', 'already_unlocked', 'locked', 'ok']);
    expect(host.status()).toMatchObject({ state: 'unlocked', profile: 'anna' });
  });

  it('a profile open in one host is refused to another with in_use', async () => {
    const first = newHost();
    await first.createProfile('anna', PASS);
    const second = newHost();
    expect(await second.unlock('anna', PASS)).toMatchObject({ ok: false, error: 'in_use' });
    await first.lock();
    expect(await second.unlock('anna', PASS)).toMatchObject({ ok: true });
  });

  it('a session that fails to start closes the profile again and says why', async () => {
    const real = fakeSessionFactory(world);
    let fail = true;
    const flaky: SessionFactory = {
      ...real,
      start: async (profile, ctx) => {
        if (fail) throw new Error('stores unreadable');
        return real.start(profile, ctx);
      },
    };
    const host = newHost(flaky);
    await host.createProfile('anna', PASS);
    const code = world.issueCode({ userId: 'u-anna', orgId: 'kela', role: 'kela_expert', displayName: 'Anna' });
    expect(await host.enrol(code)).toEqual({ ok: false, error: 'session_failed', message: 'The device could not be started. stores unreadable' });
    expect(host.status().state).toBe('locked');
    // The profile was closed: it opens elsewhere, and the enrolment it recorded is kept.
    const reopened = await openProfile(dir, 'anna', PASS);
    expect(reopened.ok && reopened.profile.getSetting('fake.user')).toContain('u-anna');
    if (reopened.ok) reopened.profile.close();
    fail = false;
    expect(await host.unlock('anna', PASS)).toMatchObject({ ok: true, status: { state: 'ready' } });
  });

  it('pushes status, problems and part events, and forgets problems on lock', async () => {
    const host = newHost();
    const events: AgentEvent[] = [];
    host.events.subscribe((event) => events.push(event));
    await enrolledProfile(host);
    const parts = world.sessions[0] as SessionParts;
    await parts.chat.send('w1', 'hei');
    host.problems.report({ code: 'clock_gap', message: 'An update is missing.', workspaceId: 'w1', stream: 'doc:plan' });
    expect(events.map((e) => e.type)).toEqual(['status', 'status', 'chat', 'problem']);
    expect(host.problems.list()).toHaveLength(1);
    await host.lock();
    expect(host.problems.list()).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'status', status: { state: 'locked' } });
  });

  it('locking does not hang on a flush that never completes', async () => {
    const real = fakeSessionFactory(world);
    const stuck: SessionFactory = {
      ...real,
      start: async (profile, ctx) => {
        const parts = await real.start(profile, ctx);
        const documents = Object.assign(Object.create(parts.documents) as typeof parts.documents, { flush: () => new Promise<void>(() => undefined) });
        return { ...parts, documents };
      },
    };
    const host = newHost(stuck, 100);
    await enrolledProfile(host);
    const started = Date.now();
    expect(await host.lock()).toMatchObject({ state: 'locked' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('refuses every operation after close', async () => {
    const host = newHost();
    await host.createProfile('anna', PASS);
    await host.close();
    expect(host.status().state).toBe('locked');
    await expect(host.unlock('anna', PASS)).rejects.toThrow(/shutting down/);
  });
});
