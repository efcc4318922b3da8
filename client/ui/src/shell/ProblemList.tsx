/**
 * Every problem the agent reported (a message that failed verification, a changed
 * identity key, a refused request …), listed where it cannot be missed until the user
 * dismisses it. Each shows what it means in the user's language, where it happened, and
 * the agent's own words. New problems are announced to screen readers.
 */
import { useTranslation } from 'react-i18next';
import { TechnicalDetails } from '../app/TechnicalDetails';
import { PROBLEM_CODES } from '@yhteispoyta/local-api';
import type { Problem } from '@yhteispoyta/local-api';
import { useAgent } from '../app/agent-context';
import { formatDateTime } from '../lib/format';

/** The translation of a problem's code; a newer agent's code the page does not know gets the general one. */
function explanationKey(problem: Problem): string {
  const code = PROBLEM_CODES.find((c) => c === problem.code);
  return code === undefined ? 'problems.codes.unknown' : `problems.codes.${code}`;
}

/** The records rules the page explains for a refused records event (the agent's `reason`). */
const RECORD_RULES = ['duplicate_record', 'unknown_record', 'not_allowed', 'wrong_status', 'unknown_member', 'unknown_organisation'] as const;

/** The records rule that refused the event a `record_refused` problem is about, if the page knows it. */
function ruleOf(problem: Problem): (typeof RECORD_RULES)[number] | undefined {
  return problem.code === 'record_refused' ? RECORD_RULES.find((rule) => rule === problem.reason) : undefined;
}

/** The problem list; renders nothing when there is nothing to show. */
export function ProblemList({ workspaceLabel }: { workspaceLabel: (workspaceId: string) => string | undefined }) {
  const { t, i18n } = useTranslation();
  const { problems, dismissProblem, dismissAllProblems } = useAgent();
  const latest = problems.at(-1);
  return (
    <>
      <div className="visually-hidden" role="alert">
        {latest === undefined ? '' : t('problems.announce', { text: t(explanationKey(latest)) })}
      </div>
      {problems.length === 0 ? null : (
        <section id="problems" className="problems" aria-labelledby="problems-title" tabIndex={-1}>
          <div className="problems-head">
            <h2 id="problems-title">{t('problems.title', { count: problems.length })}</h2>
            <button type="button" className="button-secondary" onClick={dismissAllProblems}>
              {t('problems.dismissAll')}
            </button>
          </div>
          <p className="problems-intro">{t('problems.intro')}</p>
          <ul className="problem-items">
            {[...problems].reverse().map((problem) => {
              const where = problem.workspaceId === undefined ? undefined : (workspaceLabel(problem.workspaceId) ?? problem.workspaceId);
              const rule = ruleOf(problem);
              return (
                <li key={problem.id} className="problem">
                  <p className="problem-text">
                    <strong>{t(explanationKey(problem))}</strong>
                  </p>
                  {rule === undefined ? null : <p className="problem-text">{t(`records.rules.${rule}`)}</p>}
                  <p className="problem-meta">
                    {formatDateTime(problem.at, i18n.language)}
                    {where === undefined ? '' : ` · ${t('problems.where', { where })}`}
                    {problem.device === undefined ? '' : ` · ${t('problems.device', { device: `${problem.device.userId}.${problem.device.deviceId}` })}`}
                  </p>
                  <TechnicalDetails text={problem.message} />
                  <button
                    type="button"
                    className="button-secondary"
                    aria-label={`${t('problems.dismiss')}: ${t(explanationKey(problem))}`}
                    onClick={() => dismissProblem(problem.id)}
                  >
                    {t('problems.dismiss')}
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </>
  );
}
