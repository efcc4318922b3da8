/**
 * Who changed a document. Every transaction on an open document carries a tagged origin,
 * and what is sealed and sent is defined positively: what this device's user did (the
 * browser, or code acting for the user in this process) and what Yjs repaired on its own
 * while integrating an update. Everything else — other devices' updates, the stored state
 * being loaded, an untagged change — is not sent.
 */
import type * as Y from 'yjs';

/** Where a change to a document came from. */
export type DocSource =
  /** this device's user: a browser connection's update, or an edit made for the user in this process */
  | 'browser'
  /** another device's update, verified and in order */
  | 'remote'
  /** the stored state, read from the profile when the document opens */
  | 'load'
  /** Yjs' own follow-up to an update it integrated (formatting clean-up): peers need it to converge */
  | 'repair';

/** A transaction origin: a tagged object. */
export interface DocOrigin {
  readonly source: DocSource;
}

/** Origin of verified updates from other devices. */
export const REMOTE_ORIGIN: DocOrigin = Object.freeze({ source: 'remote' });
/** Origin of loading the stored state. */
export const LOAD_ORIGIN: DocOrigin = Object.freeze({ source: 'load' });
/** Origin Yjs' own follow-up transactions are tagged with. */
export const REPAIR_ORIGIN: DocOrigin = Object.freeze({ source: 'repair' });
/**
 * Origin of an edit made for this device's user in this process rather than through a
 * browser connection (tests, the benchmark): `doc.transact(() => …, LOCAL_EDIT)`.
 */
export const LOCAL_EDIT: DocOrigin = Object.freeze({ source: 'browser' });

/** A new origin for one browser connection: its own object, so that its updates can be told from other browsers'. */
export function browserOrigin(): DocOrigin {
  return { source: 'browser' };
}

/** The source of a transaction origin; undefined for an untagged one. */
export function sourceOf(origin: unknown): DocSource | undefined {
  if (typeof origin !== 'object' || origin === null) return undefined;
  const source = (origin as { source?: unknown }).source;
  return source === 'browser' || source === 'remote' || source === 'load' || source === 'repair' ? source : undefined;
}

/** Whether changes from `source` are this device's own: sealed and sent to the others. */
export function isOwnChange(source: DocSource | undefined): boolean {
  return source === 'browser' || source === 'repair';
}

/**
 * Tag Yjs' follow-up transactions on `doc` as repairs. Integrating an update can make Yjs
 * start a transaction of its own right after it (Y.Text's formatting clean-up runs in a
 * new transaction without an origin, within the same batch of transactions); it gets
 * REPAIR_ORIGIN as it starts, so that it is sent like the user's edits. An untagged
 * transaction that starts a batch stays untagged. Returns the function that stops tagging.
 */
export function tagFollowUps(doc: Y.Doc): () => void {
  /** the first transaction of the current batch: tagged, untagged, or none yet */
  let cause: 'none' | 'tagged' | 'untagged' = 'none';
  const onBatch = (): void => {
    cause = 'none';
  };
  const onTransaction = (transaction: Y.Transaction): void => {
    if (cause === 'none') cause = sourceOf(transaction.origin) === undefined ? 'untagged' : 'tagged';
    else if (cause === 'tagged' && transaction.origin === null) transaction.origin = REPAIR_ORIGIN;
  };
  doc.on('beforeAllTransactions', onBatch);
  doc.on('beforeTransaction', onTransaction);
  return () => {
    doc.off('beforeAllTransactions', onBatch);
    doc.off('beforeTransaction', onTransaction);
  };
}
