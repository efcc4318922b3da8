/**
 * API routes of the agent itself: profiles (list, create, unlock, lock), the account
 * (status, enrolment with a code), sync status and the problem list.
 */
import { z } from 'zod';
import { oneTimeCodeSchema } from '@yhteispoyta/crypto/protocol';
import type { AgentHost, HostResult, SessionParts } from '../agent';
import { hostError } from './errors';
import { ApiError, readJson } from './http-util';
import type { Router } from './router';
import { JsonReply } from './router';

/** Longest passphrase accepted; scrypt takes any length, but a megabyte is not a passphrase. */
export const MAX_PASSPHRASE_CHARS = 1024;

const credentialsSchema = z.strictObject({
  name: z.string().max(64),
  passphrase: z.string().min(1).max(MAX_PASSPHRASE_CHARS),
});
const enrolSchema = z.strictObject({ code: oneTimeCodeSchema });
const emptySchema = z.strictObject({});

/** The running session's parts, or a 409 telling the UI to unlock and enrol first. */
export function requireSession(host: AgentHost): SessionParts {
  const session = host.session();
  if (session === undefined) {
    const state = host.status().state;
    const message = state === 'locked' ? 'Unlock a profile first.' : 'Enrol this device with a code first.';
    throw new ApiError(409, 'not_ready', message);
  }
  return session.parts;
}

function reply(result: HostResult, created = false): unknown {
  if (!result.ok) throw hostError(result.error, result.message);
  return created ? new JsonReply(201, { status: result.status }) : { status: result.status };
}

/** Register the profile, account, sync and problem routes. */
export function registerHostRoutes(router: Router, host: AgentHost): void {
  router
    .add('GET', '/api/profiles', async () => ({ profiles: host.listProfiles() }))
    .add('POST', '/api/profiles', async ({ req }) => {
      const { name, passphrase } = await readJson(req, credentialsSchema);
      return reply(await host.createProfile(name, passphrase), true);
    })
    .add('POST', '/api/profiles/unlock', async ({ req }) => {
      const { name, passphrase } = await readJson(req, credentialsSchema);
      return reply(await host.unlock(name, passphrase));
    })
    .add('POST', '/api/profiles/lock', async ({ req }) => {
      await readJson(req, emptySchema);
      return { status: await host.lock() };
    })
    .add('GET', '/api/status', async () => ({ status: host.status() }))
    .add('POST', '/api/account/enrol', async ({ req }) => {
      const { code } = await readJson(req, enrolSchema);
      return reply(await host.enrol(code));
    })
    .add('GET', '/api/sync', async () => ({ sync: requireSession(host).documents.status() }))
    .add('GET', '/api/problems', async () => ({ problems: host.problems.list() }));
}
