/**
 * Export to the case record (docs/design.md §11.5): a record, the plan or a meeting's
 * minutes as a PDF or as JSON (local-api case-files.ts caseExportSchema), generated here
 * in the agent from its own verified view. Every export is recorded through the injected
 * `recordExport` (the audit log's "export" event, visible to the members) before its bytes
 * are handed out: an export that could not be recorded is not given.
 */
import { docStream, PLAN_STREAM } from '@yhteispoyta/crypto/stream-rules';
import { caseExportSchema } from '@yhteispoyta/local-api';
import type { CaseExport, ExportRequest } from '@yhteispoyta/local-api';
import type { DocumentSync, MembershipService, RecordsService } from '../contracts';
import { CaseFileError } from '../case-files/case-file-error';
import { peopleOf } from '../case-files/people';
import { minutesExport, planExport, recordExport } from './export-content';
import type { ExportScene } from './export-content';
import { exportPdf } from './export-pdf';
import { processingExport } from './processing-export';
import type { ProcessingReader } from '../processing/processing-service';

/** An export that happened, as the audit log records it: no content, no record id. */
export interface ExportedEvent {
  readonly workspaceId: string;
  readonly what: ExportRequest['what'];
  readonly format: ExportRequest['format'];
}

/** What exports are made with. */
export interface CaseExportsDeps {
  readonly records: Pick<RecordsService, 'list'>;
  readonly documents: Pick<DocumentSync, 'open'>;
  readonly membership: Pick<MembershipService, 'list'>;
  /** "Tietojeni käsittely" of a workspace (its log checked before it is given) */
  readonly processing: ProcessingReader;
  /** the exporting person */
  readonly selfUserId: string;
  readonly now: () => number;
  /** records the export (the audit log's "export" event); a rejection withholds the export */
  readonly recordExport: (event: ExportedEvent) => Promise<void>;
}

/** A finished export: the file to hand to the browser. */
export interface ExportFile {
  readonly fileName: string;
  readonly contentType: 'application/pdf' | 'application/json';
  readonly bytes: Uint8Array;
}

/** A file name from a title: letters (ä, ö, å included), digits and dashes. */
function fileNameOf(content: CaseExport, format: ExportRequest['format']): string {
  const stem = content.title.normalize('NFC').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 80) || content.what;
  const day = new Date(content.exportedAt).toISOString().slice(0, 10);
  return `${stem}-${day}.${format}`;
}

/** Makes exports of one device's workspaces. */
export class CaseExports {
  readonly #deps: CaseExportsDeps;

  constructor(deps: CaseExportsDeps) {
    this.#deps = deps;
  }

  /** The export's content (what the JSON is). Throws CaseFileError for an unknown workspace, record or meeting. */
  async content(workspaceId: string, request: ExportRequest): Promise<CaseExport> {
    const deps = this.#deps;
    const workspace = (await deps.membership.list()).find((w) => w.workspaceId === workspaceId);
    if (workspace === undefined) throw new CaseFileError('unknown_workspace', 'This device is not a member of that workspace.');
    const orgNames = new Map(workspace.members.flatMap((m) => (m.orgName === undefined ? [] : [[m.orgId, m.orgName] as const])));
    const personOf = peopleOf(workspace.members);
    const scene: ExportScene = {
      workspace: { id: workspaceId, label: workspace.label, kind: workspace.kind },
      personOf,
      selfUserId: deps.selfUserId,
      orgName: (orgId) => orgNames.get(orgId),
      now: deps.now(),
      lang: request.lang,
    };
    let content: CaseExport;
    if (request.what === 'plan') {
      const doc = await deps.documents.open(workspaceId, PLAN_STREAM);
      content = planExport(doc, workspace.members.map((m) => personOf(m.userId)), scene);
    } else if (request.what === 'processing') {
      content = processingExport(await deps.processing.view(workspaceId), scene);
    } else {
      const records = await deps.records.list(workspaceId);
      const record = records.find((r) => r.id === request.recordId);
      if (record === undefined) throw new CaseFileError('unknown_record', 'No record of this workspace has that id.');
      if (request.what === 'record') {
        content = recordExport(record, records, scene);
      } else {
        if (record.kind !== 'meeting') throw new CaseFileError('unknown_record', 'Only a network meeting has minutes.');
        content = minutesExport(record, await deps.documents.open(workspaceId, docStream(`meeting-${record.id}`)), scene);
      }
    }
    // Our own output, checked against the published schema before anyone relies on it.
    return caseExportSchema.parse(content);
  }

  /** The export as a file, recorded before it is returned. */
  async export(workspaceId: string, request: ExportRequest): Promise<ExportFile> {
    const content = await this.content(workspaceId, request);
    const bytes = request.format === 'pdf' ? await exportPdf(content) : new TextEncoder().encode(`${JSON.stringify(content, null, 2)}\n`);
    await this.#deps.recordExport({ workspaceId, what: request.what, format: request.format });
    return { fileName: fileNameOf(content, request.format), contentType: request.format === 'pdf' ? 'application/pdf' : 'application/json', bytes };
  }
}
