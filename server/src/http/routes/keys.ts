/**
 * The prekey directory: top-ups and signed prekey rotation by the logged-in device,
 * counts, bundle claims, and the public device list of a user.
 */
import { claimBundles, countPrekeys, listUserDevices, replaceSignedPreKey, topUpPrekeys } from '../../services/directory';
import { deviceRefOf } from '../../services/sessions';
import type { RouteHandlers } from '../route-binding';

/** Handlers of the prekey directory routes. */
export const keyRoutes: Pick<RouteHandlers, 'topUpPrekeys' | 'replaceSignedPreKey' | 'countPrekeys' | 'claimBundles' | 'listUserDevices'> = {
  topUpPrekeys: async ({ ctx, device, body }) => topUpPrekeys(ctx, deviceRefOf(device), body),
  replaceSignedPreKey: async ({ ctx, device, body }) => replaceSignedPreKey(ctx, deviceRefOf(device), body),
  countPrekeys: async ({ ctx, device }) => countPrekeys(ctx, deviceRefOf(device)),
  claimBundles: async ({ ctx, device, body }) => claimBundles(ctx, deviceRefOf(device), body),
  listUserDevices: async ({ ctx, params }) => listUserDevices(ctx, params.userId),
};
