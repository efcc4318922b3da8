/**
 * The agent itself: its state (locked, unlocked, ready), this device and its
 * certification, the link and sync counters, and the requests that change the state
 * (create, unlock and lock a profile, enrol with a code).
 */
import { z } from 'zod';
import { oneTimeCodeSchema, roleSchema } from './fields';

/** States of the link to the central server. */
const SERVER_LINK_STATES = ['offline', 'connecting', 'online'] as const;
const linkSchema = z.enum(SERVER_LINK_STATES);

/** The sync engine's counters. */
export const syncStatusSchema = z.object({
  link: linkSchema,
  /** local edits and chat messages the server has not acknowledged yet */
  pending: z.number().int().min(0),
  /** workspaces whose catch-up is in progress */
  syncing: z.array(z.string()),
});
/** The sync engine's counters. */
export type SyncStatus = z.infer<typeof syncStatusSchema>;

/**
 * Where this device's identity stands: certified (by its organisation, its inviter or the
 * person's own first device), waiting for that, or revoked. A further device of a person
 * waits with `approvalCode`, the six digits the person compares on the approving device.
 */
export const certificationSchema = z.object({
  state: z.enum(['pending', 'certified', 'revoked']),
  approvalCode: z.string().optional(),
  /** the organisation's certified name, once certified */
  orgName: z.string().optional(),
});
/** This device's certification. */
export type Certification = z.infer<typeof certificationSchema>;

/** The agent's state as `GET /api/status` and the `status` event tell it. Never contains secrets. */
export const hostStatusSchema = z.object({
  /** `locked`: no profile open; `unlocked`: profile open, device not enrolled; `ready`: session running */
  state: z.enum(['locked', 'unlocked', 'ready']),
  profile: z.string().optional(),
  serverUrl: z.string(),
  device: z
    .object({
      userId: z.string(),
      deviceId: z.number().int(),
      orgId: z.string(),
      role: roleSchema,
      /** '' until certificates (or, for a client, the inviter's key messages) give the name */
      displayName: z.string(),
      certification: certificationSchema,
    })
    .optional(),
  link: linkSchema.optional(),
  sync: syncStatusSchema.optional(),
  /**
   * When the agent took this snapshot (ms, monotonic within an agent process and later in a
   * restarted one). An answer over HTTP and the events over the WebSocket can arrive in
   * either order: the UI keeps the newest, so an unlock answer read before the link came
   * up does not overwrite the later 'online'.
   */
  revision: z.number().nonnegative(),
});
/** The agent's state. */
export type HostStatus = z.infer<typeof hostStatusSchema>;

/** Longest passphrase accepted; scrypt takes any length, but a megabyte is not a passphrase. */
const MAX_PASSPHRASE_CHARS = 1024;

/** Body of creating and unlocking a profile (the agent checks the name's form itself). */
export const credentialsSchema = z.strictObject({
  name: z.string().max(64),
  passphrase: z.string().min(1).max(MAX_PASSPHRASE_CHARS),
});
/** Body of enrolling the unlocked profile's device. */
export const enrolRequestSchema = z.strictObject({ code: oneTimeCodeSchema });
/** The body of requests that say everything in their method and path. */
export const emptyRequestSchema = z.strictObject({});
/** The answer of requests with nothing to say but success. */
export const emptyResponseSchema = z.object({});

/** Answer of the routes that change or tell the agent's state. */
export const statusResponseSchema = z.object({ status: hostStatusSchema });
