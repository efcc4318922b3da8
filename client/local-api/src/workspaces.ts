/**
 * Workspaces as this device verified them: summaries with members, device notices and
 * the client's consent; identities with one safety number per person; the organisation
 * directory; and the requests that change membership and consent.
 */
import { z } from 'zod';
import {
  WORKSPACE_KINDS,
  deviceRefSchema,
  displayNameSchema,
  docNameSchema,
  idSchema,
  pathDeviceIdSchema,
  roleSchema,
  textSchema,
  timestampMsSchema,
  workspaceLabelSchema,
} from './fields';

const memberDeviceSchema = z.object({ deviceId: z.number().int(), keyHash: z.string() });

/** A member as the verified chain records him, with what certificates say about him. */
export const memberSchema = z.object({
  userId: z.string(),
  orgId: z.string(),
  role: roleSchema,
  /** owners may add and remove members */
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
  /** his organisation is outside the client's consent: the client has not yet answered for it (issue 13) */
  outsideConsent: z.boolean().optional(),
  /** an owner of his organisation recorded a statutory basis for him: he stays whatever the consent says (record_basis, issue 13) */
  statutoryBasis: z.boolean().optional(),
});
/** A member of a workspace. */
export type Member = z.infer<typeof memberSchema>;

/** A person's device added to or removed from a workspace, from the verified chain. */
export const workspaceNoticeSchema = z.object({
  /** the event's signed time (ms) */
  at: z.number(),
  kind: z.enum(['device_added', 'device_removed']),
  userId: z.string(),
  deviceId: z.number().int(),
  /** who signed the change */
  by: deviceRefSchema,
  displayName: z.string().optional(),
});
/** A device change members are told of. */
export type WorkspaceNotice = z.infer<typeof workspaceNoticeSchema>;

/** A client's consent: which organisations may take part, for what purpose, until when. */
const consentSchema = z.object({
  orgIds: z.array(z.string()),
  purpose: z.string(),
  /** ms since epoch; absent: until revoked */
  expiresAt: z.number().optional(),
  /** the client's device that signed it */
  grantedBy: deviceRefSchema,
});

/** A system notice of the chat, from the verified chain: a join, a removal, a departure, a consent change or a statutory basis recorded or withdrawn. */
export const memberNoticeSchema = z.object({
  at: z.number(),
  seq: z.number().int(),
  kind: z.enum(['joined', 'removed', 'left', 'consent_granted', 'consent_revoked', 'basis_recorded', 'basis_withdrawn']),
  userId: z.string().optional(),
  displayName: z.string().optional(),
  orgId: z.string().optional(),
  orgIds: z.array(z.string()).optional(),
  by: deviceRefSchema,
  byName: z.string().optional(),
});
/** A system notice of the chat. */
export type MemberNotice = z.infer<typeof memberNoticeSchema>;

/** Someone who was a member: his organisation as the chain last recorded it, when and by whom he was removed. */
const formerMemberSchema = z.object({
  userId: z.string(),
  orgId: z.string(),
  role: roleSchema,
  displayName: z.string().optional(),
  orgName: z.string().optional(),
  removedAt: z.number(),
  removedBy: deviceRefSchema,
  /** he removed himself */
  left: z.boolean(),
});

/** A workspace this device lost access to: who removed it and when, when its verified chain tells. */
export const removalSchema = z.object({
  workspaceId: z.string(),
  label: z.string(),
  at: z.number().optional(),
  by: z.object({ userId: z.string(), displayName: z.string().optional(), orgName: z.string().optional() }).optional(),
  /** he left the workspace himself */
  left: z.boolean(),
});
/** A lost workspace. */
export type Removal = z.infer<typeof removalSchema>;

/** A workspace as this device's verified chain describes it. */
export const workspaceSchema = z.object({
  workspaceId: z.string(),
  kind: z.enum(WORKSPACE_KINDS),
  label: z.string(),
  epoch: z.number().int(),
  closed: z.boolean(),
  lastActivityAt: z.number(),
  members: z.array(memberSchema),
  /** device additions and removals, oldest first */
  notices: z.array(workspaceNoticeSchema),
  /** userId of the member who created the workspace */
  createdBy: z.string().optional(),
  /** the client's consent in force (case workspaces) */
  consent: consentSchema.optional(),
  /** case with a client: whether he has answered (consented or revoked); until then members may be outside it */
  consentAnswered: z.boolean().optional(),
  /** joins, removals, departures and consent changes, oldest first */
  memberNotices: z.array(memberNoticeSchema).optional(),
  /** people no longer members */
  formerMembers: z.array(formerMemberSchema).optional(),
});
/** A workspace summary. */
export type Workspace = z.infer<typeof workspaceSchema>;

/** Another person of a workspace as safety numbers show him: one number covers all his certified devices. */
export const identitySchema = z.object({
  userId: z.string(),
  kind: z.enum(['professional', 'client']),
  displayName: z.string().optional(),
  orgName: z.string().optional(),
  role: roleSchema.optional(),
  /** 60 digits between this person's user key and the other's */
  safetyNumber: z.string(),
  verified: z.boolean(),
  /** certificates now give him another key than the one first seen: compare the NEW number */
  changed: z.boolean(),
  /** his certified devices (the number covers them all) */
  devices: z.array(z.number().int()),
});
/** Identity of another member. */
export type Identity = z.infer<typeof identitySchema>;

/** An organisation of the directory. */
export const directoryOrgSchema = z.object({ orgId: z.string(), name: z.string() });
/** A person in the organisation directory. */
export const directoryUserSchema = z.object({ userId: z.string(), displayName: z.string(), role: roleSchema, orgId: z.string() });
/** A person in the organisation directory. */
export type DirectoryUser = z.infer<typeof directoryUserSchema>;

/** A client invitation: the one-time code his device enrols with. */
export const invitationSchema = z.object({ code: z.string(), userId: z.string(), expiresAt: z.number() });

/** Path parameters of `/api/workspaces/:workspaceId/…`. */
export const workspaceParamsSchema = z.strictObject({ workspaceId: idSchema });
/** Path parameters of `/api/workspaces/:workspaceId/members/:userId`. */
export const memberParamsSchema = z.strictObject({ workspaceId: idSchema, userId: idSchema });
/** Path parameters of `/api/workspaces/:workspaceId/members/:userId/devices/:deviceId`. */
export const memberDeviceParamsSchema = z.strictObject({ workspaceId: idSchema, userId: idSchema, deviceId: pathDeviceIdSchema });
/** Path parameters of `/api/workspaces/:workspaceId/documents/:docName/…`. */
export const documentParamsSchema = z.strictObject({ workspaceId: idSchema, docName: docNameSchema });
/** Query of a directory search: a fragment of a name (the central server answers at most 20 people). */
export const directorySearchQuerySchema = z.object({ q: z.string().trim().min(2).max(100) });
/** Path parameters of `/api/directory/:orgId/…`. */
export const orgParamsSchema = z.strictObject({ orgId: idSchema });

/** Body of creating a workspace. */
export const createWorkspaceRequestSchema = z.strictObject({ kind: z.enum(WORKSPACE_KINDS), label: workspaceLabelSchema });
/** Body of adding a professional from the directory. */
export const addMemberRequestSchema = z.strictObject({ userId: idSchema, owner: z.boolean().optional() });
/** Body of inviting the client person. */
export const inviteClientRequestSchema = z.strictObject({ displayName: displayNameSchema });
const orgIdsSchema = z.array(idSchema).min(1).max(100);
/**
 * When the client's answer removes every owner: who of the remaining professionals becomes
 * owner, or that the case closes (issue 13; the chain refuses `ownerless` otherwise).
 */
const consentEndingFields = { handOverTo: idSchema.optional(), close: z.literal(true).optional() };
/** Longest purpose of a consent. */
export const MAX_CONSENT_PURPOSE_CHARS = 500;
/** Body of the client granting consent. */
export const grantConsentRequestSchema = z.strictObject({
  orgIds: orgIdsSchema,
  purpose: textSchema(MAX_CONSENT_PURPOSE_CHARS),
  expiresAt: timestampMsSchema.optional(),
  ...consentEndingFields,
});
/** Body of the client revoking consent. */
export const revokeConsentRequestSchema = z.strictObject({ orgIds: orgIdsSchema, ...consentEndingFields });
/** Longest statutory basis text (crypto's workspace-texts allow the same). */
export const MAX_BASIS_CHARS = 300;
/**
 * Body of an owner recording the statutory basis on which a professional of his own
 * organisation takes part (e.g. "Sosiaalihuoltolaki (1301/2014) 42 § – omatyöntekijä");
 * `null` withdraws the basis in force (issue 13).
 */
export const recordBasisRequestSchema = z.strictObject({ basis: textSchema(MAX_BASIS_CHARS).nullable() });
/** Body of marking a person's safety number verified (or not). */
export const setVerifiedRequestSchema = z.strictObject({ userId: idSchema, verified: z.boolean() });
/** Body of accepting a person's changed key. */
export const personRequestSchema = z.strictObject({ userId: idSchema });

/** Answer of the routes that change a workspace: the workspace as it now is. */
export const workspaceResponseSchema = z.object({ workspace: workspaceSchema });
