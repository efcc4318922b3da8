/**
 * Handlers of the agent's own routes: profiles (list, create, unlock, lock), the account
 * (status, enrolment with a code), sync status and the problem list.
 */
import type { AgentHost, HostResult, HostStatus, SessionParts } from '../agent';
import { hostError } from './errors';
import { ApiError } from './http-util';
import type { RouteHandlers } from './route-binding';

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

function statusOf(result: HostResult): { status: HostStatus } {
  if (!result.ok) throw hostError(result.error, result.message);
  return { status: result.status };
}

/** The profile, account, sync and problem routes. */
export function hostRoutes(host: AgentHost) {
  return {
    listProfiles: async () => ({ profiles: host.listProfiles() }),
    createProfile: async ({ body }) => statusOf(await host.createProfile(body.name, body.passphrase)),
    unlockProfile: async ({ body }) => statusOf(await host.unlock(body.name, body.passphrase)),
    lockProfile: async () => ({ status: await host.lock() }),
    status: async () => ({ status: host.status() }),
    enrol: async ({ body }) => statusOf(await host.enrol(body.code)),
    sync: async () => ({ sync: requireSession(host).documents.status() }),
    problems: async () => ({ problems: host.problems.list() }),
  } satisfies Partial<RouteHandlers>;
}
