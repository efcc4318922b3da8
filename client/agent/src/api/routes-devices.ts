/**
 * API routes of this person's devices: the list (certified, revoked, waiting for
 * approval), a link code for a further device, approving a waiting device after
 * comparing its six digits (or refusing it when they differ), and revoking a lost one.
 */
import { z } from 'zod';
import { MAX_DEVICE_ID, MIN_DEVICE_ID } from '@yhteispoyta/crypto/types';
import type { AgentHost } from '../agent';
import { parseWith, readJson } from './http-util';
import type { RouteRequest, Router } from './router';
import { JsonReply } from './router';
import { requireSession } from './routes-host';

const pathDeviceIdSchema = z.string().regex(/^[0-9]{1,3}$/).transform(Number).pipe(z.int().min(MIN_DEVICE_ID).max(MAX_DEVICE_ID));
const emptySchema = z.strictObject({});

function deviceId({ params }: RouteRequest): number {
  return parseWith(pathDeviceIdSchema, params.deviceId, 'deviceId');
}

/** Register the device routes. */
export function registerDeviceRoutes(router: Router, host: AgentHost): void {
  const devices = () => requireSession(host).devices;
  router
    .add('GET', '/api/devices', async () => devices().list())
    .add('POST', '/api/devices/link-code', async ({ req }) => {
      await readJson(req, emptySchema);
      return new JsonReply(201, { link: await devices().createLinkCode() });
    })
    .add('POST', '/api/devices/:deviceId/approve', async (request) => {
      const id = deviceId(request);
      await readJson(request.req, emptySchema);
      await devices().approve(id);
      return devices().list();
    })
    .add('POST', '/api/devices/:deviceId/reject', async (request) => {
      const id = deviceId(request);
      await readJson(request.req, emptySchema);
      await devices().reject(id);
      return devices().list();
    })
    .add('POST', '/api/devices/:deviceId/revoke', async (request) => {
      const id = deviceId(request);
      await readJson(request.req, emptySchema);
      await devices().revoke(id);
      return devices().list();
    });
}
