/**
 * Test support: edits made as this device's user, the way a browser's are — in a
 * transaction tagged LOCAL_EDIT. An untagged change to an agent's document stays local.
 */
import type * as Y from 'yjs';
import { LOCAL_EDIT } from '../doc-origin';

/** Apply `change` to `type` (a Y.Text, Y.Map …) as one local edit of its document. */
export function edit<T extends { readonly doc: Y.Doc | null }>(type: T, change: (type: T) => void): void {
  const doc = type.doc;
  if (doc === null) throw new Error('the type is not in a document');
  doc.transact(() => change(type), LOCAL_EDIT);
}
