/**
 * Who else has a workspace open: the devices whose verified presence (their browsers'
 * awareness of a document) arrived recently. Names come from the members list, never
 * from what a presence update says.
 */
import { z } from 'zod';

/** The devices online in one workspace. */
export const workspacePresenceSchema = z.object({
  workspaceId: z.string(),
  devices: z.array(z.object({ userId: z.string(), deviceId: z.number().int(), lastSeenAt: z.number() })),
});
/** Who else has a workspace open. */
export type WorkspacePresence = z.infer<typeof workspacePresenceSchema>;
