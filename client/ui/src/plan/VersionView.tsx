/**
 * One old version of the plan, read-only: its text rendered by the same editor as the
 * live plan (not editable, but selectable, so text can be copied from it) and its agreed
 * actions as a plain table, under a banner saying whose version from when it is.
 * Restoring it asks first, then edits the live plan to read like it — an ordinary edit
 * the others see at once, and the current text stays in the history.
 */
import Collaboration from '@tiptap/extension-collaboration';
import { EditorContent, useEditor } from '@tiptap/react';
import StarterKit from '@tiptap/starter-kit';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import * as Y from 'yjs';
import type { DocVersionSummary, Workspace } from '@yhteispoyta/local-api';
import { historyApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { InlineConfirm } from '../app/InlineConfirm';
import { useAction } from '../app/use-action';
import { formatDate, formatDateTime } from '../lib/format';
import { PLAN_DOC_NAME, readActions } from './plan-doc';
import { useVersionAuthor } from './PlanHistory';

/** The bytes of a base64 string. */
function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** An old version, read-only, with its restore step. */
export function VersionView({
  workspace,
  selfUserId,
  version,
  onClose,
  onRestored,
}: {
  workspace: Workspace;
  selfUserId: string;
  version: DocVersionSummary;
  onClose(): void;
  onRestored(): void;
}) {
  const { t, i18n } = useTranslation();
  const [doc, setDoc] = useState<Y.Doc | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const restore = useAction();
  const workspaceId = workspace.workspaceId;
  const versionId = version.versionId;
  const headingRef = useRef<HTMLHeadingElement>(null);
  const authorOf = useVersionAuthor(workspace, selfUserId);

  // Each version chosen is loaded; a load for a version no longer shown is discarded (another
  // version picked while one loads is never dropped nor shown under the wrong heading).
  useEffect(() => {
    let current: Y.Doc | undefined;
    let shown = true;
    setDoc(undefined);
    setLoadError(undefined);
    historyApi.get(workspaceId, PLAN_DOC_NAME, versionId).then(
      (found) => {
        if (!shown) return;
        current = new Y.Doc();
        Y.applyUpdate(current, fromBase64(found.state));
        setDoc(current);
      },
      (failure: unknown) => {
        if (shown) setLoadError(failure);
      },
    );
    return () => {
      shown = false;
      current?.destroy();
    };
  }, [workspaceId, versionId]);
  useEffect(() => headingRef.current?.focus(), [versionId]);

  const when = formatDateTime(version.at, i18n.language);
  const who = authorOf(version);
  return (
    <section className="old-version" aria-labelledby="old-version-title" data-testid="old-version">
      <div className="old-version-banner" role="note">
        <h3 id="old-version-title" tabIndex={-1} ref={headingRef}>
          {t('history.oldVersion')}
        </h3>
        <p>{t('history.oldVersionWho', { when, who })}</p>
        <p className="hint">{t('history.readOnly')}</p>
        <ErrorNotice error={restore.error} />
        <div className="button-row">
          <InlineConfirm
            label={t('history.restore')}
            question={t('history.confirmRestore', { when })}
            confirmLabel={t('history.restoreYes')}
            cancelLabel={t('common.cancel')}
            busy={restore.busy}
            onConfirm={() =>
              void restore.run(async () => {
                await historyApi.restore(workspaceId, PLAN_DOC_NAME, versionId);
                onRestored();
              })
            }
          />
          <button type="button" className="button-secondary" onClick={onClose}>
            {t('history.backToCurrent')}
          </button>
        </div>
      </div>
      <ErrorNotice error={loadError} />
      {doc === undefined ? (
        loadError === undefined ? <p role="status">{t('common.loading')}</p> : null
      ) : (
        <OldContent doc={doc} />
      )}
    </section>
  );
}

function OldContent({ doc }: { doc: Y.Doc }) {
  const { t, i18n } = useTranslation();
  const editor = useEditor(
    {
      editable: false,
      extensions: [StarterKit.configure({ undoRedo: false, heading: { levels: [2, 3] } }), Collaboration.configure({ document: doc })],
      editorProps: {
        attributes: { class: 'plan-text plan-text-old', role: 'textbox', 'aria-readonly': 'true', 'aria-multiline': 'true', 'aria-label': t('history.textLabel') },
      },
    },
    [doc],
  );
  const actions = useMemo(() => readActions(doc).items, [doc]);
  return (
    <div className="old-version-content">
      <EditorContent editor={editor} />
      <h4>{t('plan.actions.title')}</h4>
      {actions.length === 0 ? (
        <p className="empty">{t('plan.actions.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="actions-table actions-table-old">
            <caption className="visually-hidden">{t('history.actionsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('plan.actions.what')}</th>
                <th scope="col">{t('plan.actions.owner')}</th>
                <th scope="col">{t('plan.actions.organisation')}</th>
                <th scope="col">{t('plan.actions.due')}</th>
                <th scope="col">{t('plan.actions.status')}</th>
              </tr>
            </thead>
            <tbody>
              {actions.map((item) => (
                <tr key={item.id}>
                  <td>{item.what}</td>
                  <td>{item.owner}</td>
                  <td>{item.organisation}</td>
                  <td>{item.due === '' ? '' : formatDate(Date.parse(item.due), i18n.language)}</td>
                  <td>{t(`plan.actions.statuses.${item.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
