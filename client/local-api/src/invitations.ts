/**
 * Invitations to workspaces (issue 15): a professional whom someone else added sees who
 * invited him and to what, and accepts or declines before the workspace is among his. The
 * inviter's name and organisation come from certificates (`certified`); the label is the
 * creator's own text, which nobody vouches for, so the UI shows it as unverified.
 */
import { z } from 'zod';
import { WORKSPACE_KINDS } from './fields';

/** One invitation waiting for this person's decision. */
export const workspaceInvitationSchema = z.object({
  workspaceId: z.string(),
  kind: z.enum(WORKSPACE_KINDS),
  /** the creator's text: shown as unverified */
  label: z.string(),
  /** the signed time he was added */
  invitedAt: z.number(),
  invitedBy: z.object({
    userId: z.string(),
    /** from the inviter's certificates; absent when they do not verify */
    displayName: z.string().optional(),
    orgName: z.string().optional(),
    certified: z.boolean(),
  }),
});
/** An invitation. */
export type WorkspaceInvitation = z.infer<typeof workspaceInvitationSchema>;

/** Answer of listing invitations. */
export const invitationsResponseSchema = z.object({ invitations: z.array(workspaceInvitationSchema) });

/** A client's further invitation code as he typed it (issue 13). */
export const joinWithCodeRequestSchema = z.object({ code: z.string().min(1).max(400) });
/** The case the code invites into; it is listed once its owner's agent has added him. */
export const joinWithCodeResponseSchema = z.object({ workspaceId: z.string() });
