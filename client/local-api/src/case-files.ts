/**
 * A workspace's files and its exports to the case record (docs/design.md §11.4, §11.5):
 * the "Liitteet" list — every attachment of the verified chat and records, who shared it
 * and where it is used — and an export of a record, the plan or a meeting's minutes as a
 * PDF or as JSON (the schema of the JSON is {@link caseExportSchema}). Both are built by
 * the agent from what it verified itself, never from the server's metadata.
 */
import { z } from 'zod';
import { caseRecordSchema } from './records';
import { idSchema, roleSchema } from './fields';

/** A person as verified certificates and the membership chain name him. */
export const verifiedPersonSchema = z.object({
  userId: z.string(),
  /** from his certificate (for a client, the name his inviter gave); absent when unknown */
  displayName: z.string().optional(),
  /** null for the client, who belongs to no organisation */
  orgId: z.string().nullable(),
  /** his organisation's name as the deployment root certifies it */
  orgName: z.string().optional(),
  role: roleSchema.optional(),
});
/** A verified person. */
export type VerifiedPerson = z.infer<typeof verifiedPersonSchema>;

/** Where a file is used: a chat message, or an information request or statement. */
export const fileUseSchema = z.object({
  where: z.enum(['chat', 'request', 'statement']),
  /** the message's or the record's id */
  id: z.string(),
  /** the author's clock (ms) */
  at: z.number(),
  /** the server's order; 0 while pending */
  seq: z.number().int(),
  by: verifiedPersonSchema,
  /** a request's subject, to name it */
  subject: z.string().optional(),
  pending: z.boolean(),
});
/** A use of a file. */
export type FileUse = z.infer<typeof fileUseSchema>;

/** A file of the workspace: one uploaded blob with its verified hash, and all its uses (oldest first). */
export const workspaceFileSchema = z.object({
  blobId: z.string(),
  name: z.string(),
  type: z.string(),
  size: z.number().int().min(0),
  sha256: z.string(),
  /** who first shared it (the author of its first use) and when */
  sharedBy: verifiedPersonSchema,
  sharedAt: z.number(),
  uses: z.array(fileUseSchema).min(1),
});
/** A file of the workspace. */
export type WorkspaceFile = z.infer<typeof workspaceFileSchema>;

/** Answer of `GET /api/workspaces/:id/files`: newest first. */
export const workspaceFilesSchema = z.object({ files: z.array(workspaceFileSchema) });

/** What can be exported. */
const EXPORT_SUBJECTS = ['record', 'plan', 'minutes', 'processing'] as const;
/** Languages of an export's headings. */
const EXPORT_LANGUAGES = ['fi', 'sv', 'en'] as const;

/** Body of `POST /api/workspaces/:id/export`: a record (by id), the plan, a meeting's minutes (by the meeting's id), or "Tietojeni käsittely". */
export const exportRequestSchema = z
  .strictObject({
    what: z.enum(EXPORT_SUBJECTS),
    recordId: idSchema.optional(),
    format: z.enum(['pdf', 'json']),
    lang: z.enum(EXPORT_LANGUAGES).default('fi'),
  })
  .refine((r) => (r.what === 'record' || r.what === 'minutes') === (r.recordId !== undefined), 'a record or minutes export names its record; a plan or processing export does not');
/** An export request. */
export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** The version of {@link caseExportSchema}; a change of meaning is a new version. */
export const CASE_EXPORT_SCHEMA_VERSION = 1;

/** One event whose signature the exporting agent checked, and what it found at export time. */
const exportVerificationSchema = z.object({
  /** the event (record step `request`, `statement` …) or `document` for a co-edited document */
  event: z.string(),
  by: verifiedPersonSchema.optional(),
  at: z.number().optional(),
  seq: z.number().int(),
  /**
   * `verified`: the author's device signature, membership and clock were verified when the
   * event was received and the records' rules accepted it; `pending`: this device's own event,
   * signed here, not yet stored by the server
   */
  result: z.enum(['verified', 'pending']),
});

/** A section of an exported document: a heading and its paragraphs. */
const exportSectionSchema = z.object({ heading: z.string(), paragraphs: z.array(z.string()) });

/** An agreed action of the plan as exported. */
const exportActionSchema = z.object({ what: z.string(), owner: z.string(), organisation: z.string(), due: z.string(), status: z.string() });

/** The JSON export (and the content of the PDF): machine-readable, versioned. */
export const caseExportSchema = z.object({
  schemaVersion: z.literal(CASE_EXPORT_SCHEMA_VERSION),
  what: z.enum(EXPORT_SUBJECTS),
  lang: z.enum(EXPORT_LANGUAGES),
  title: z.string(),
  workspace: z.object({ id: z.string(), label: z.string(), kind: z.string() }),
  exportedAt: z.number(),
  exportedBy: verifiedPersonSchema,
  /** the authors of the record's steps, or the members of the workspace for a co-edited document */
  authors: z.array(verifiedPersonSchema),
  /** when the record was created, or the meeting held; absent for the plan */
  date: z.number().optional(),
  sections: z.array(exportSectionSchema),
  verification: z.object({
    checkedAt: z.number(),
    verified: z.int().min(0),
    pending: z.int().min(0),
    events: z.array(exportVerificationSchema),
  }),
  /** the record itself, as the agent's replay shows it (record and minutes exports) */
  record: caseRecordSchema.optional(),
  /** the plan's agreed actions (plan exports) */
  actions: z.array(exportActionSchema).optional(),
});
/** A case export. */
export type CaseExport = z.infer<typeof caseExportSchema>;
