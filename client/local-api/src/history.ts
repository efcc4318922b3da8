/**
 * Document history (plan "Versiohistoria"): the versions this device recorded of a
 * document — one per person's editing session, and each verified snapshot — listed by
 * time and verified author; one version's full state to show read-only; and restoring one
 * as an ordinary edit. Versions exist only on devices that saw them: the server can
 * withhold snapshots, never forge one (each is a signed envelope checked before use).
 */
import { z } from 'zod';
import { deviceIdSchema, docNameSchema, idSchema } from './fields';

/** Path parameters of `/api/workspaces/:workspaceId/documents/:docName/versions/:versionId`. */
export const versionParamsSchema = z.strictObject({
  workspaceId: idSchema,
  docName: docNameSchema,
  versionId: z.string().regex(/^[0-9]{1,15}$/, 'must be a version number').transform(Number).pipe(z.number().int().positive()),
});

/** Most coauthors a version names (the agent's recorder keeps no more). */
export const MAX_VERSION_COAUTHORS = 32;

/** A version as listed: who (a verified device of a member) and when. */
export const docVersionSchema = z.object({
  versionId: z.number().int().positive(),
  /** `checkpoint`: the document after one person's editing session as this device saw it; `snapshot`: a verified snapshot */
  kind: z.enum(['checkpoint', 'snapshot']),
  authorUserId: idSchema,
  authorDeviceId: deviceIdSchema,
  /** others who edited in the same checkpoint at the same moment, in the order they joined (empty for one author) */
  coauthorUserIds: z.array(idSchema).max(MAX_VERSION_COAUTHORS),
  /** ms since the epoch, from the author's signed envelope */
  at: z.number().int().nonnegative(),
});
/** A listed version. */
export type DocVersionSummary = z.infer<typeof docVersionSchema>;

/** A version with its content: the document's full Yjs state, base64. */
export const docVersionContentSchema = docVersionSchema.extend({ state: z.base64() });

/** The answer of restoring a version: whether the live document changed. */
export const restoreVersionResponseSchema = z.object({ changed: z.boolean() });
