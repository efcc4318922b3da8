/**
 * What a person removed from a workspace is told, in plain words: who removed him and
 * when ("Sanna Virtanen poisti sinut työtilasta ”Jani, 24 v” 2.12.2026 klo 3.10."), from
 * the removal event his own device verified — or, when it never saw that event, only that
 * his access ended. Nothing technical; the server's refusals about that workspace are
 * put away (see {@link useRemovalProblemsSettled}).
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Problem, Removal } from '@yhteispoyta/local-api';
import { useAgent } from '../app/agent-context';
import { useWorkspaces } from '../app/workspaces-context';
import { formatDateTime } from '../lib/format';

/** Problems that only repeat, technically, that this device lost a workspace: the removal notice says it in plain words. */
function isAboutRemoval(problem: Problem, removals: readonly Removal[]): boolean {
  if (problem.workspaceId === undefined || !removals.some((r) => r.workspaceId === problem.workspaceId)) return false;
  return problem.code === 'revoked' || problem.code === 'forbidden' || problem.code === 'server_error';
}

/** Put away the problems a removal notice says in plainer words (so neither the list nor the status bar repeats them). */
export function useRemovalProblemsSettled(): void {
  const { problems, dismissProblem } = useAgent();
  const { removals } = useWorkspaces();
  useEffect(() => {
    for (const problem of problems) if (isAboutRemoval(problem, removals)) dismissProblem(problem.id);
  }, [problems, removals, dismissProblem]);
}

/** The notices of workspaces lost, optionally only of one; each can be put away for this page. */
export function RemovalNotices({ workspaceId }: { workspaceId?: string }) {
  const { t, i18n } = useTranslation();
  const { removals } = useWorkspaces();
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const shown = removals.filter((r) => (workspaceId === undefined || r.workspaceId === workspaceId) && !dismissed.has(r.workspaceId));
  if (shown.length === 0) return null;
  return (
    <div className="removal-notices">
      {shown.map((removal) => {
        const label = removal.label === '' ? t('invitations.noLabel') : removal.label;
        const when = removal.at === undefined ? '' : formatDateTime(removal.at, i18n.language);
        const by = removal.by === undefined ? undefined : `${removal.by.displayName ?? t('roles.client')}${removal.by.orgName === undefined ? '' : ` (${removal.by.orgName})`}`;
        const sentence =
          removal.at === undefined || removal.by === undefined
            ? t('reach.lostAccess', { label })
            : removal.left
              ? t('reach.leftYou', { label, when })
              : t('reach.removedYou', { by, label, when });
        return (
          <section key={removal.workspaceId} className="notice removed-notice" aria-label={t('reach.lostAccess', { label })} data-testid="removed-notice">
            <p>
              <strong>{sentence}</strong>
            </p>
            {removal.left ? null : <p>{t('reach.removedAfter')}</p>}
            <button type="button" className="button-secondary" onClick={() => setDismissed((previous) => new Set(previous).add(removal.workspaceId))}>
              {t('reach.dismiss')}
            </button>
          </section>
        );
      })}
    </div>
  );
}
