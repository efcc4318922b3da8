/**
 * The agreed actions of a plan document as the agent reads them (issue 12): the Y.Array
 * `actions` of `doc:plan`, each map parsed with the contract's schema (any member can write
 * anything into the plan, so an entry that does not parse is skipped), and an id that
 * appears twice — two people turning the same meeting decision into an action at the same
 * moment — counted once, the first in the array's order, as the UI does.
 */
import * as Y from 'yjs';
import { PLAN_DOC_ACTIONS, planActionSchema } from '@yhteispoyta/local-api';
import type { PlanAction } from '@yhteispoyta/local-api';

/** The actions of a plan document in list order. */
export function readPlanActions(doc: Y.Doc): PlanAction[] {
  const seen = new Set<string>();
  const out: PlanAction[] = [];
  for (const entry of doc.getArray<unknown>(PLAN_DOC_ACTIONS).toArray()) {
    if (!(entry instanceof Y.Map)) continue;
    const parsed = planActionSchema.safeParse(entry.toJSON());
    if (!parsed.success || seen.has(parsed.data.id)) continue;
    seen.add(parsed.data.id);
    out.push(parsed.data);
  }
  return out;
}
