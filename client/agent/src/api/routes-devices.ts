/**
 * Handlers of this person's device routes: the list (certified, revoked, waiting for
 * approval), a link code for a further device, approving a waiting device after
 * comparing its six digits (or refusing it when they differ), and revoking a lost one.
 * Each change answers the list as it now is.
 */
import type { AgentHost } from '../agent';
import type { RouteHandlers } from './route-binding';
import { requireSession } from './routes-host';

/** The device routes. */
export function deviceRoutes(host: AgentHost) {
  const devices = () => requireSession(host).devices;
  return {
    listDevices: async () => devices().list(),
    createLinkCode: async () => ({ link: await devices().createLinkCode() }),
    approveDevice: async ({ params }) => {
      await devices().approve(params.deviceId);
      return devices().list();
    },
    rejectDevice: async ({ params }) => {
      await devices().reject(params.deviceId);
      return devices().list();
    },
    revokeDevice: async ({ params }) => {
      await devices().revoke(params.deviceId);
      return devices().list();
    },
  } satisfies Partial<RouteHandlers>;
}
