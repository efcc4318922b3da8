/**
 * REST bodies of workspaces (docs/design.md §4, §5): creation, the membership chain, and the
 * per-device mailbox of pairwise control messages.
 */
import { z } from 'zod';
import { deviceRefSchema } from '../identity';
import { membershipEventSchema } from '../membership';
import { controlMessageSchema } from '../sessions';
import type { MailboxItem, MembershipEvent } from '../types';
import { WORKSPACE_KINDS } from '../types';
import { idSchema, nonNegativeIntSchema, queryIntSchema, textSchema, timestampMsSchema } from './fields';

/** Most workspaces one listing returns. */
export const MAX_WORKSPACES_LISTED = 1000;
/** Most membership events one page returns (the client pages with `after`). */
export const MAX_MEMBERSHIP_PAGE = 500;
/** Most items one `POST /v1/mailbox` may carry. */
export const MAX_MAILBOX_SEND = 200;
/** Most items one mailbox fetch returns. */
export const MAX_MAILBOX_FETCH = 500;
/** Items a mailbox fetch without `limit` returns. */
const DEFAULT_MAILBOX_FETCH = 100;
/** Most ids one mailbox ack may carry. */
const MAX_MAILBOX_ACK = 500;

/** Longest workspace label; the chain allows the same. */
export const MAX_WORKSPACE_LABEL_CHARS = 200;

/**
 * A workspace label as agents accept it (no control or bidi characters). The server never
 * sees one: the chain carries a commitment, the label travels encrypted (workspace-texts.ts).
 */
export const workspaceLabelSchema = textSchema(MAX_WORKSPACE_LABEL_CHARS);

/**
 * `POST /v1/workspaces` body: the signed `create` event that starts the chain. It names the
 * label only by its commitment: the server never learns a workspace's label.
 */
export const createWorkspaceRequestSchema = z.strictObject({
  event: membershipEventSchema.transform((event, ctx): MembershipEvent<'create'> => {
    if (event.type !== 'create') {
      ctx.issues.push({ code: 'custom', message: 'must be a create event', input: event });
      return z.NEVER;
    }
    return event;
  }),
});
/** `POST /v1/workspaces` response. */
export const createWorkspaceResponseSchema = z.strictObject({ workspaceId: idSchema });

/** One workspace the logged-in device is a member of. */
export const workspaceSummarySchema = z.strictObject({
  workspaceId: idSchema,
  kind: z.enum(WORKSPACE_KINDS),
  /** seq of the newest membership event; the client fetches the chain after what it has */
  membershipSeq: nonNegativeIntSchema,
  lastActivityAt: timestampMsSchema,
});
/** One workspace the logged-in device is a member of. */
export type WorkspaceSummary = z.infer<typeof workspaceSummarySchema>;

/** `GET /v1/workspaces` response. */
export const listWorkspacesResponseSchema = z.strictObject({
  workspaces: z.array(workspaceSummarySchema).max(MAX_WORKSPACES_LISTED),
});
/** `GET /v1/workspaces` response. */
export type ListWorkspacesResponse = z.infer<typeof listWorkspacesResponseSchema>;

/**
 * `GET /v1/workspaces/:workspaceId/membership?after=N`: events with seq > N, oldest
 * first; without `after`, from the `create` event (seq 0) on.
 */
export const membershipQuerySchema = z.strictObject({
  after: queryIntSchema(0, Number.MAX_SAFE_INTEGER).optional(),
});
/** Parsed membership query. */
export type MembershipQuery = z.infer<typeof membershipQuerySchema>;
/** Membership events response. */
export const membershipEventsResponseSchema = z.strictObject({
  events: z.array(membershipEventSchema).max(MAX_MEMBERSHIP_PAGE),
});

/** `POST /v1/workspaces/:workspaceId/membership` body: the next signed event. */
export const appendMembershipRequestSchema = z.strictObject({ event: membershipEventSchema });
/** `POST /v1/workspaces/:workspaceId/membership` response: the stored event's seq. */
export const appendMembershipResponseSchema = z.strictObject({ seq: nonNegativeIntSchema });

/** `POST /v1/mailbox` body: pairwise ciphertexts for other devices; the sender is the logged-in device. */
export const sendMailboxRequestSchema = z.strictObject({
  items: z
    .array(z.strictObject({ to: deviceRefSchema, message: controlMessageSchema }))
    .min(1)
    .max(MAX_MAILBOX_SEND),
});
/** `POST /v1/mailbox` body. */
export type SendMailboxRequest = z.infer<typeof sendMailboxRequestSchema>;
/** `POST /v1/mailbox` response: one id per item, in order. */
export const sendMailboxResponseSchema = z.strictObject({ ids: z.array(idSchema).max(MAX_MAILBOX_SEND) });
/** `POST /v1/mailbox` response. */
export type SendMailboxResponse = z.infer<typeof sendMailboxResponseSchema>;

/** `GET /v1/mailbox?limit=N`: the oldest N items of the logged-in device's mailbox. */
export const mailboxQuerySchema = z.strictObject({
  limit: queryIntSchema(1, MAX_MAILBOX_FETCH).default(DEFAULT_MAILBOX_FETCH),
});

/** Parses a types.ts {@link MailboxItem}. */
const mailboxItemSchema: z.ZodType<MailboxItem> = z.strictObject({
  id: idSchema,
  from: deviceRefSchema,
  to: deviceRefSchema,
  message: controlMessageSchema,
  createdAt: timestampMsSchema,
});
/** `GET /v1/mailbox` response. */
export const fetchMailboxResponseSchema = z.strictObject({
  items: z.array(mailboxItemSchema).max(MAX_MAILBOX_FETCH),
});
/** `GET /v1/mailbox` response. */
export type FetchMailboxResponse = z.infer<typeof fetchMailboxResponseSchema>;

/** `POST /v1/mailbox/ack` body: delete these items (only the device's own are touched). */
export const ackMailboxRequestSchema = z.strictObject({
  ids: z.array(idSchema).min(1).max(MAX_MAILBOX_ACK),
});
/** `POST /v1/mailbox/ack` response: how many items were deleted. */
export const ackMailboxResponseSchema = z.strictObject({ deleted: nonNegativeIntSchema });
/** `POST /v1/mailbox/ack` response. */
export type AckMailboxResponse = z.infer<typeof ackMailboxResponseSchema>;
