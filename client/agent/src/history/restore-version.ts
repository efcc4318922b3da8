/**
 * Restoring an old version as an ordinary edit: the live document is changed so that it
 * reads like the version, by deleting and inserting only what differs, in one transaction
 * with the caller's origin (this device's user: it is sealed and sent like typing). The
 * document is never replaced, so the others merge the change like any edit, and whatever
 * someone typed meanwhile into parts the restore leaves alone stays.
 *
 * The plan's shape (client/ui/src/plan/plan-doc.ts): the rich text in the XmlFragment
 * `default`, the agreed actions in the Y.Array `actions`, metadata in the Y.Map `meta`.
 * Top-level children are compared by their serialised form; the run that differs between
 * the common start and the common end is replaced by copies of the version's children.
 */
import * as Y from 'yjs';

/** Top-level types of a document and what they are. */
const DOC_SHAPE = [
  { name: 'default', type: 'xml' },
  { name: 'actions', type: 'array' },
  { name: 'meta', type: 'map' },
] as const;

type Child = unknown;

function serialise(child: Child): string {
  if (child instanceof Y.XmlElement || child instanceof Y.XmlText) return child.toString();
  if (child instanceof Y.AbstractType) return JSON.stringify(child.toJSON());
  return JSON.stringify(child);
}

/** A copy of a child that can be inserted into another document. */
function copy(child: Child): Child {
  if (child instanceof Y.XmlElement || child instanceof Y.XmlText || child instanceof Y.Map || child instanceof Y.Array || child instanceof Y.Text) {
    return child.clone();
  }
  return child;
}

/** The slice [start, end) of `current` that differs from `target`, as indexes into both. */
function differingRun(current: readonly string[], target: readonly string[]): { start: number; currentEnd: number; targetEnd: number } {
  const max = Math.min(current.length, target.length);
  let start = 0;
  while (start < max && current[start] === target[start]) start++;
  let end = 0;
  while (end < max - start && current[current.length - 1 - end] === target[target.length - 1 - end]) end++;
  return { start, currentEnd: current.length - end, targetEnd: target.length - end };
}

function restoreSequence(live: Y.XmlFragment | Y.Array<unknown>, version: Y.XmlFragment | Y.Array<unknown>): void {
  const liveChildren: Child[] = live.toArray();
  const versionChildren: Child[] = version.toArray();
  const run = differingRun(liveChildren.map(serialise), versionChildren.map(serialise));
  if (run.currentEnd > run.start) live.delete(run.start, run.currentEnd - run.start);
  const inserted = versionChildren.slice(run.start, run.targetEnd).map(copy);
  if (inserted.length === 0) return;
  if (live instanceof Y.XmlFragment) live.insert(run.start, inserted as (Y.XmlElement | Y.XmlText)[]);
  else live.insert(run.start, inserted);
}

function restoreMap(live: Y.Map<unknown>, version: Y.Map<unknown>): void {
  for (const key of [...live.keys()]) if (!version.has(key)) live.delete(key);
  for (const [key, value] of version.entries()) {
    if (serialise(live.get(key)) !== serialise(value)) live.set(key, copy(value));
  }
}

/**
 * Change `live` to read like the version whose full state is `versionState`, in one
 * transaction with `origin`. Returns whether anything changed.
 */
export function restoreVersion(live: Y.Doc, versionState: Uint8Array, origin: unknown): boolean {
  const version = new Y.Doc();
  try {
    Y.applyUpdate(version, versionState);
    let changed = false;
    const onUpdate = (): void => {
      changed = true;
    };
    live.on('update', onUpdate);
    try {
      live.transact(() => {
        for (const part of DOC_SHAPE) {
          if (part.type === 'xml') restoreSequence(live.getXmlFragment(part.name), version.getXmlFragment(part.name));
          else if (part.type === 'array') restoreSequence(live.getArray(part.name), version.getArray(part.name));
          else restoreMap(live.getMap(part.name), version.getMap(part.name));
        }
      }, origin);
    } finally {
      live.off('update', onUpdate);
    }
    return changed;
  } finally {
    version.destroy();
  }
}
