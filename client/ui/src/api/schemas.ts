/**
 * The shapes the agent's local API and `/events` stream send, as zod schemas. The UI
 * parses every response from `unknown` with these: a response that does not match is a
 * visible error, never a half-rendered screen. Objects are not strict, so a newer agent
 * may add fields without breaking an older page.
 */
import { z } from 'zod';

/** Roles of people (mirrors the agent's; `client` is the client person). */
export const ROLES = ['kela_expert', 'social_worker', 'health_professional', 'employment_advisor', 'teacher', 'interpreter', 'client'] as const;
/** A role. */
export type Role = (typeof ROLES)[number];
/** The organisation every client person belongs to. */
export const CLIENTS_ORG_ID = 'clients';

const roleSchema = z.enum(ROLES);
const deviceRefSchema = z.object({ userId: z.string(), deviceId: z.number().int() });
/** A device: a user id and a device number. */
export type DeviceRef = z.infer<typeof deviceRefSchema>;

const syncSchema = z.object({ link: z.enum(['offline', 'connecting', 'online']), pending: z.number().int().min(0), syncing: z.array(z.string()) });
/** The sync engine's counters. */
export type SyncStatus = z.infer<typeof syncSchema>;

/**
 * Where this device's identity stands: certified (by its organisation, its inviter or the
 * person's own first device), waiting for that, or revoked. A further device of a person
 * waits with `approvalCode`, the six digits the person compares on the approving device.
 */
export const certificationSchema = z.object({
  state: z.enum(['pending', 'certified', 'revoked']),
  approvalCode: z.string().optional(),
  orgName: z.string().optional(),
});
/** This device's certification. */
export type Certification = z.infer<typeof certificationSchema>;

/** The agent's state as `GET /api/status` and the `status` event tell it. */
export const hostStatusSchema = z.object({
  state: z.enum(['locked', 'unlocked', 'ready']),
  profile: z.string().optional(),
  serverUrl: z.string(),
  device: z
    .object({
      userId: z.string(),
      deviceId: z.number().int(),
      orgId: z.string(),
      role: roleSchema,
      /** '' until certificates give the name */
      displayName: z.string(),
      certification: certificationSchema,
    })
    .optional(),
  link: z.enum(['offline', 'connecting', 'online']).optional(),
  sync: syncSchema.optional(),
});
/** The agent's state. */
export type HostStatus = z.infer<typeof hostStatusSchema>;

const memberDeviceSchema = z.object({ deviceId: z.number().int(), keyHash: z.string() });
/** A device of a member as the chain names it (its number and the hash of its identity key). */
export type MemberDevice = z.infer<typeof memberDeviceSchema>;

const memberSchema = z.object({
  userId: z.string(),
  orgId: z.string(),
  role: roleSchema,
  owner: z.boolean(),
  devices: z.array(memberDeviceSchema),
  /** from his certificate; for a client, the name his inviter gave */
  displayName: z.string().optional(),
  /** his organisation's name as the deployment root certifies it */
  orgName: z.string().optional(),
  /** certificates back this person and at least one of his devices in the chain */
  certified: z.boolean(),
  /** devices the chain names for him that no certificate backs: they get no keys */
  uncertifiedDevices: z.array(z.number().int()),
});
/** A member as the verified chain records him, with what certificates say about him. */
export type Member = z.infer<typeof memberSchema>;

const noticeSchema = z.object({
  at: z.number(),
  kind: z.enum(['device_added', 'device_removed']),
  userId: z.string(),
  deviceId: z.number().int(),
  by: deviceRefSchema,
  displayName: z.string().optional(),
});
/** A person's device added to or removed from a workspace, from the verified chain. */
export type WorkspaceNotice = z.infer<typeof noticeSchema>;

const consentSchema = z.object({
  orgIds: z.array(z.string()),
  purpose: z.string(),
  expiresAt: z.number().optional(),
  grantedBy: deviceRefSchema,
});
/** The client's consent in force. */
export type Consent = z.infer<typeof consentSchema>;

/** A workspace as `GET /api/workspaces` lists it. */
export const workspaceSchema = z.object({
  workspaceId: z.string(),
  kind: z.enum(['case', 'consultation']),
  label: z.string(),
  epoch: z.number().int(),
  closed: z.boolean(),
  lastActivityAt: z.number(),
  members: z.array(memberSchema),
  /** device additions and removals, oldest first */
  notices: z.array(noticeSchema),
  createdBy: z.string().optional(),
  consent: consentSchema.optional(),
});
/** A workspace summary. */
export type Workspace = z.infer<typeof workspaceSchema>;
/** The two kinds of workspace. */
export type WorkspaceKind = Workspace['kind'];

const attachmentSchema = z.object({ blobId: z.string(), name: z.string(), type: z.string(), size: z.number().int().min(0), sha256: z.string() });
/** An attachment a message carries. */
export type Attachment = z.infer<typeof attachmentSchema>;

/** A chat message. */
export const chatMessageSchema = z.object({
  id: z.string(),
  workspaceId: z.string(),
  author: deviceRefSchema,
  authorName: z.string().optional(),
  authorOrgId: z.string().optional(),
  text: z.string(),
  attachments: z.array(attachmentSchema),
  sentAt: z.number(),
  seq: z.number().int(),
  editedAt: z.number().optional(),
  deleted: z.boolean(),
  verified: z.boolean(),
  pending: z.boolean(),
});
/** A chat message. */
export type ChatMessage = z.infer<typeof chatMessageSchema>;

const transferSchema = z.object({
  transferId: z.string(),
  direction: z.enum(['upload', 'download']),
  name: z.string(),
  doneBytes: z.number().min(0),
  totalBytes: z.number().min(0),
});
/** Progress of an attachment transfer. */
export type TransferProgress = z.infer<typeof transferSchema>;

/** A problem the agent reports. */
export const problemSchema = z.object({
  id: z.string(),
  at: z.number(),
  code: z.string(),
  message: z.string(),
  workspaceId: z.string().optional(),
  stream: z.string().optional(),
  device: deviceRefSchema.optional(),
});
/** A problem the agent reports. */
export type Problem = z.infer<typeof problemSchema>;

/** Another member as safety numbers show him: one number covers all his certified devices. */
export const identitySchema = z.object({
  userId: z.string(),
  kind: z.enum(['professional', 'client']),
  displayName: z.string().optional(),
  orgName: z.string().optional(),
  role: roleSchema.optional(),
  safetyNumber: z.string(),
  verified: z.boolean(),
  /** certificates now give him another key than the one first seen: compare the NEW number */
  changed: z.boolean(),
  devices: z.array(z.number().int()),
});
/** Identity of another member. */
export type Identity = z.infer<typeof identitySchema>;

/** One certified (or revoked) device of this person. */
export const ownDeviceSchema = z.object({ deviceId: z.number().int(), current: z.boolean(), created: z.number(), revoked: z.boolean() });
/** One device of this person. */
export type OwnDevice = z.infer<typeof ownDeviceSchema>;

/** A new device that used one of this person's link codes and waits for approval. */
export const pendingDeviceSchema = z.object({ deviceId: z.number().int(), approvalCode: z.string(), enrolledAt: z.number() });
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

/** A code for the person's next device. */
export const linkCodeSchema = z.object({ code: z.string(), deviceId: z.number().int(), expiresAt: z.number() });
/** A link code. */
export type LinkCode = z.infer<typeof linkCodeSchema>;

/** A person in the organisation directory. */
export const directoryUserSchema = z.object({ userId: z.string(), displayName: z.string(), role: roleSchema, orgId: z.string() });
/** A person in the organisation directory. */
export type DirectoryUser = z.infer<typeof directoryUserSchema>;

/** Who else has a workspace open. */
export const presenceSchema = z.object({
  workspaceId: z.string(),
  devices: z.array(z.object({ userId: z.string(), deviceId: z.number().int(), lastSeenAt: z.number() })),
});
/** Who else has a workspace open. */
export type WorkspacePresence = z.infer<typeof presenceSchema>;

/** One event of the `/events` stream. Unknown event types are ignored by the reader. */
export const agentEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: hostStatusSchema }),
  z.object({ type: z.literal('sync'), sync: syncSchema }),
  z.object({ type: z.literal('problem'), problem: problemSchema }),
  z.object({ type: z.literal('chat'), workspaceId: z.string(), message: chatMessageSchema }),
  z.object({ type: z.literal('membership'), workspaceId: z.string(), what: z.enum(['membership', 'epoch']) }),
  z.object({ type: z.literal('transfer'), progress: transferSchema }),
  z.object({ type: z.literal('devices') }),
]);
/** One event of the `/events` stream. */
export type AgentEvent = z.infer<typeof agentEventSchema>;

/** The error body every refused API request carries. */
export const apiErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
