/**
 * The agreed actions of a plan as React state, following every change made here or by
 * others (deep observation of the Y.Array and its maps).
 */
import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { PLAN_ACTIONS, readActions } from './plan-doc';
import type { ActionItem } from './plan-doc';

/** The actions of `doc`, live. */
export function useActions(doc: Y.Doc): { items: ActionItem[]; unreadable: number } {
  const [state, setState] = useState(() => readActions(doc));
  useEffect(() => {
    const array = doc.getArray(PLAN_ACTIONS);
    const update = () => setState(readActions(doc));
    update();
    array.observeDeep(update);
    return () => array.unobserveDeep(update);
  }, [doc]);
  return state;
}
