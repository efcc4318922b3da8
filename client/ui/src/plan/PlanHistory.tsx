/**
 * The plan's version history (Versiohistoria): the versions this device recorded — each
 * person's editing session, and each snapshot — newest first, with when and who (the
 * name and organisation the verified member list gives for the signing device's owner).
 * Opening one shows it read-only; the list follows the live plan while it is open.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type * as Y from 'yjs';
import type { DocVersionSummary, Workspace } from '@yhteispoyta/local-api';
import { historyApi } from '../api/agent-api';
import { ErrorNotice } from '../app/ErrorNotice';
import { useReload } from '../app/use-reload';
import { formatDateTime } from '../lib/format';
import { useMemberName } from '../members/use-member-name';
import { PLAN_DOC_NAME } from './plan-doc';
import './history.css';

/** How long the list waits after the last change of the live plan before it asks again. */
const RELOAD_AFTER_EDIT_MS = 2_500;

/**
 * Who made a version, as the member list names them: "Maija Mäkinen (Kela)"; "Sinä" for
 * oneself; people who edited it together listed in the reader's language ("Sinä ja Maija
 * Mäkinen (Kela)").
 */
export function useVersionAuthor(workspace: Workspace, selfUserId: string): (version: DocVersionSummary) => string {
  const { t, i18n } = useTranslation();
  const nameOf = useMemberName(workspace.members);
  return useCallback(
    (version: DocVersionSummary) => {
      const one = (userId: string): string => {
        if (userId === selfUserId) return t('history.you');
        const member = workspace.members.find((m) => m.userId === userId);
        const name = nameOf(userId);
        if (member === undefined) return t('history.formerMember', { name });
        return member.orgName === undefined ? name : t('history.nameOrg', { name, org: member.orgName });
      };
      const people = [version.authorUserId, ...version.coauthorUserIds].map(one);
      return people.length === 1 ? (people[0] ?? '') : new Intl.ListFormat(i18n.language, { type: 'conjunction' }).format(people);
    },
    [workspace.members, nameOf, selfUserId, t, i18n.language],
  );
}

/** The list of versions. */
export function PlanHistory({
  workspace,
  selfUserId,
  liveDoc,
  openVersionId,
  onOpen,
}: {
  workspace: Workspace;
  selfUserId: string;
  liveDoc: Y.Doc | undefined;
  openVersionId: number | undefined;
  onOpen(version: DocVersionSummary): void;
}) {
  const { t, i18n } = useTranslation();
  const [versions, setVersions] = useState<DocVersionSummary[] | undefined>(undefined);
  const workspaceId = workspace.workspaceId;
  const authorOf = useVersionAuthor(workspace, selfUserId);

  const load = useReload(useCallback(async () => setVersions(await historyApi.list(workspaceId, PLAN_DOC_NAME)), [workspaceId]));
  const { reload } = load;
  useEffect(reload, [reload]);
  useEffect(() => {
    if (liveDoc === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onUpdate = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(reload, RELOAD_AFTER_EDIT_MS);
    };
    liveDoc.on('update', onUpdate);
    return () => {
      liveDoc.off('update', onUpdate);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [liveDoc, reload]);

  return (
    <section className="plan-history" aria-labelledby="plan-history-title" data-testid="plan-history">
      <h3 id="plan-history-title">{t('history.title')}</h3>
      <p className="hint">{t('history.hint')}</p>
      <ErrorNotice error={load.error} />
      {versions === undefined ? (
        <p role="status">{t('common.loading')}</p>
      ) : versions.length === 0 ? (
        <p className="empty">{t('history.none')}</p>
      ) : (
        <ol className="version-list">
          {versions.map((version) => {
            const when = formatDateTime(version.at, i18n.language);
            const who = authorOf(version);
            const open = version.versionId === openVersionId;
            return (
              <li key={version.versionId} className={open ? 'version version-open' : 'version'} data-version-id={version.versionId}>
                <span className="version-when">{when}</span>
                <span className="version-who">{who}</span>
                {version.kind === 'snapshot' ? <span className="version-kind">{t('history.snapshot')}</span> : null}
                <button
                  type="button"
                  className="button-secondary"
                  aria-pressed={open}
                  aria-label={t('history.showLabel', { when, who })}
                  onClick={() => onOpen(version)}
                >
                  {t('history.show')}
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
