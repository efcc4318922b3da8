/**
 * The joint client plan (yhteinen asiakassuunnitelma): the shared text with the sections
 * every plan needs, and the agreed actions. The creator of a case writes the section
 * template into a new, empty plan once, in the language his UI shows then (fi/sv/en; the
 * document records which); everyone else just sees it arrive. A consultation gets no
 * template: it is a conversation between professionals, not a client's plan.
 */
import { useEffect, useRef, useState } from 'react';
import type { DocVersionSummary } from '@yhteispoyta/local-api';
import { useTranslation } from 'react-i18next';
import type { Workspace } from '@yhteispoyta/local-api';
import { ExportButtons } from '../export/ExportButtons';
import { ActionItems } from './ActionItems';
import { PlanEditor } from './PlanEditor';
import { PlanHistory } from './PlanHistory';
import { VersionView } from './VersionView';
import { TEMPLATE_SECTIONS, insertTemplateOnce } from './plan-doc';
import type { TemplateSection } from './plan-doc';
import type { AwarenessUser, PlanRoom } from './use-plan-room';

/** The plan view. */
export function PlanView({ workspace, room, user }: { workspace: Workspace; room: PlanRoom | undefined; user: AwarenessUser }) {
  const { t, i18n } = useTranslation();
  const writesTemplate = workspace.kind === 'case' && workspace.createdBy === user.userId;
  const language = i18n.resolvedLanguage ?? i18n.language;
  const synced = room?.synced === true;
  const doc = room?.doc;
  const [historyOpen, setHistoryOpen] = useState(false);
  const [oldVersion, setOldVersion] = useState<DocVersionSummary | undefined>(undefined);
  const [restored, setRestored] = useState(false);
  const historyButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!synced || doc === undefined || !writesTemplate) return;
    const fixed = i18n.getFixedT(language);
    const sections: TemplateSection[] = TEMPLATE_SECTIONS.map((key) => ({
      heading: fixed(`plan.template.${key}.heading`),
      guidance: fixed(`plan.template.${key}.guidance`),
    }));
    insertTemplateOnce(doc, sections, undefined, language);
  }, [synced, doc, writesTemplate, i18n, language]);

  return (
    <div className="plan-view">
      <div className="plan-head">
        <h2 id="plan-title">{t('plan.title')}</h2>
        <p className="hint">{t('plan.hint')}</p>
        <button
          type="button"
          ref={historyButton}
          className="button-secondary history-toggle"
          aria-expanded={historyOpen}
          aria-controls="plan-history-panel"
          onClick={() => {
            setHistoryOpen(!historyOpen);
            setOldVersion(undefined);
            setRestored(false);
          }}
        >
          {t('history.button')}
        </button>
      </div>
      <div id="plan-history-panel" hidden={!historyOpen}>
        {historyOpen ? (
          <PlanHistory
            workspace={workspace}
            selfUserId={user.userId}
            liveDoc={doc}
            openVersionId={oldVersion?.versionId}
            onOpen={(version) => {
              setRestored(false);
              setOldVersion(version);
            }}
          />
        ) : null}
      </div>
      {restored ? (
        <p role="status" className="notice notice-success">
          {t('history.restored')}
        </p>
      ) : null}
      {oldVersion !== undefined ? (
        <VersionView
          workspace={workspace}
          selfUserId={user.userId}
          version={oldVersion}
          onClose={() => {
            setOldVersion(undefined);
            historyButton.current?.focus();
          }}
          onRestored={() => {
            setOldVersion(undefined);
            setRestored(true);
            historyButton.current?.focus();
          }}
        />
      ) : room === undefined || !room.synced ? (
        <p role="status" className="loading">
          {room?.connection === 'disconnected' ? t('plan.disconnected') : t('plan.loading')}
        </p>
      ) : (
        <>
          {room.connection === 'connected' ? null : (
            <p role="status" className="notice notice-warning">
              {t('plan.disconnected')}
            </p>
          )}
          <PlanEditor room={room} user={user} labelledBy="plan-title" />
          <ActionItems doc={room.doc} workspace={workspace} />
          <ExportButtons workspaceId={workspace.workspaceId} what="plan" label={t('plan.title')} />
        </>
      )}
    </div>
  );
}
