/**
 * Whether a plan document holds anything (text or actions), live: a consultation shows its
 * plan tab only then — one made before consultations stopped getting the template, or one a
 * meeting decision was added to.
 */
import { useEffect, useState } from 'react';
import type { PlanRoom } from './use-plan-room';
import { PLAN_ACTIONS, PLAN_FRAGMENT } from './plan-doc';

/** True once the synced plan has text or actions. */
export function usePlanHasContent(room: PlanRoom | undefined): boolean {
  const doc = room?.synced === true ? room.doc : undefined;
  const [has, setHas] = useState(false);
  useEffect(() => {
    if (doc === undefined) return;
    const check = () => setHas(doc.getXmlFragment(PLAN_FRAGMENT).length > 0 || doc.getArray(PLAN_ACTIONS).length > 0);
    check();
    doc.on('update', check);
    return () => doc.off('update', check);
  }, [doc]);
  return has;
}
