/**
 * The joint client plan (yhteinen asiakassuunnitelma): the shared text with the sections
 * every plan needs, and the agreed actions. The creator of a case writes the section
 * template into a new, empty plan once, in the language his UI shows then (fi/sv/en; the
 * document records which); everyone else just sees it arrive. A consultation gets no
 * template: it is a conversation between professionals, not a client's plan.
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { Workspace } from '@yhteispoyta/local-api';
import { ExportButtons } from '../export/ExportButtons';
import { ActionItems } from './ActionItems';
import { PlanEditor } from './PlanEditor';
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
      </div>
      {room === undefined || !room.synced ? (
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
