/**
 * Export to the case record (docs/design.md §11.5): a record, the plan or a meeting's
 * minutes as a PDF or as JSON. The agent makes the file from what it verified (the page
 * never builds it) and records the export, which the members see; the page only saves
 * what the agent hands back.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ExportRequest } from '@yhteispoyta/local-api';
import { caseFilesApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { useAction } from '../app/use-action';
import { saveBlob } from '../lib/save-blob';

/** The language of the export's headings: the page's, when the agent knows it. */
function exportLang(language: string): ExportRequest['lang'] {
  const base = language.slice(0, 2);
  return base === 'sv' || base === 'en' ? base : 'fi';
}

/** "Vie PDF" and "Vie JSON" (or only those in `formats`) for one subject; `label` names it for screen readers. */
export function ExportButtons({
  workspaceId,
  what,
  recordId,
  label,
  formats = ['pdf', 'json'],
}: {
  workspaceId: string;
  what: ExportRequest['what'];
  recordId?: string;
  label: string;
  formats?: readonly ExportRequest['format'][];
}) {
  const { t, i18n } = useTranslation();
  const action = useAction();
  const [done, setDone] = useState('');
  const run = (format: ExportRequest['format']) =>
    void action.run(async () => {
      setDone('');
      const { blob, fileName } = await caseFilesApi.export(workspaceId, { what, format, lang: exportLang(i18n.language), ...(recordId === undefined ? {} : { recordId }) });
      saveBlob(blob, fileName);
      setDone(t('export.done', { name: fileName }));
    });
  return (
    <div className="export-buttons" role="group" aria-label={t('export.group', { what: label })}>
      {formats.map((format) => (
        <button key={format} type="button" className="button-secondary" disabled={action.busy} onClick={() => run(format)} data-testid={`export-${format}`}>
          {t(`export.${format}`)}
        </button>
      ))}
      <span className="export-status" role="status">
        {action.busy ? t('export.working') : done}
      </span>
      <ErrorNotice error={action.error} />
    </div>
  );
}
