/**
 * A network meeting's decision becomes an agreed action of the plan in one step: the button
 * appends the action to the plan's shared document with a reference back to the meeting and
 * the decision (owner and due date as the decision named them). The action's id comes from
 * the decision's, so the plan holds it once however often — or on however many devices at
 * once — the step is taken; afterwards the decision links to the plan instead.
 */
import { useTranslation } from 'react-i18next';
import type * as Y from 'yjs';
import { routeHash } from '../app/route';
import { addActionFromDecision, decisionActionId } from '../plan/plan-doc';
import { useActions } from '../plan/use-actions';

interface Decision {
  readonly id: string;
  readonly text: string;
  readonly action?: { readonly ownerUserId: string; readonly due: string };
}

/** The decision's link to the plan, or the button that makes it an action. */
export function DecisionToPlan({ doc, workspaceId, meetingId, decision }: { doc: Y.Doc; workspaceId: string; meetingId: string; decision: Decision }) {
  const { t } = useTranslation();
  const { items } = useActions(doc);
  const inPlan = items.some((item) => item.id === decisionActionId(decision.id));
  if (inPlan) {
    return (
      <a className="decision-in-plan" href={routeHash({ name: 'workspace', workspaceId, tab: 'plan' })} data-testid="decision-in-plan">
        {t('tasks.inPlan')}
      </a>
    );
  }
  return (
    <button
      type="button"
      className="button-secondary button-small"
      aria-label={t('tasks.toPlanFor', { text: decision.text })}
      onClick={() =>
        addActionFromDecision(doc, {
          meetingId,
          decisionId: decision.id,
          text: decision.text,
          ...(decision.action === undefined ? {} : { ownerUserId: decision.action.ownerUserId, due: decision.action.due }),
        })
      }
    >
      {t('tasks.toPlan')}
    </button>
  );
}
