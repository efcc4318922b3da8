/**
 * This person's devices: the certified and revoked ones, the ones waiting for approval
 * after using a link code, and the link code for a further device.
 */
import { z } from 'zod';
import { pathDeviceIdSchema } from './fields';

/** One certified (or revoked) device of this person. */
export const ownDeviceSchema = z.object({
  deviceId: z.number().int(),
  /** this very device */
  current: z.boolean(),
  created: z.number(),
  revoked: z.boolean(),
});
/** One device of this person. */
export type OwnDevice = z.infer<typeof ownDeviceSchema>;

/** A new device that used one of this person's link codes and waits for approval. */
export const pendingDeviceSchema = z.object({
  deviceId: z.number().int(),
  /** the six digits the person compares with the ones the new device shows */
  approvalCode: z.string(),
  enrolledAt: z.number(),
});
/** A device waiting for approval. */
export type PendingDevice = z.infer<typeof pendingDeviceSchema>;

/** This person's devices as `GET /api/devices` lists them. */
export const ownDevicesSchema = z.object({
  devices: z.array(ownDeviceSchema),
  pending: z.array(pendingDeviceSchema),
  /** this device holds the person's user key: it approves and revokes devices */
  canApprove: z.boolean(),
});
/** This person's devices. */
export type OwnDevices = z.infer<typeof ownDevicesSchema>;

/** A one-time code for the person's next device. */
export const linkCodeSchema = z.object({ code: z.string(), deviceId: z.number().int(), expiresAt: z.number() });
/** A link code. */
export type LinkCode = z.infer<typeof linkCodeSchema>;

/** Path parameters of `/api/devices/:deviceId/…`. */
export const deviceParamsSchema = z.strictObject({ deviceId: pathDeviceIdSchema });
