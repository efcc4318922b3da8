/**
 * The shape of a workspace's joint client plan (yhteinen asiakassuunnitelma) as one Yjs
 * document, the agent's `doc:plan` stream (y-websocket room `<workspaceId>/plan`):
 *
 * - `default` (Y.XmlFragment): the rich text TipTap's Collaboration extension binds (its
 *   default field), made of `heading` and `paragraph` elements;
 * - `actions` (Y.Array of Y.Map): the agreed actions (sovitut toimenpiteet), one map per
 *   action with string fields, so people edit different actions, or different fields of
 *   one action, at the same time without overwriting each other;
 * - `meta` (Y.Map): `templateInserted` records that the section template was written.
 *
 * Every member can write anything into this document, so what is read back is parsed:
 * an action that does not have the expected shape is counted, not shown half.
 */
import * as Y from 'yjs';
import { z } from 'zod';

/** The plan's document name: y-websocket room `<workspaceId>/plan`, agent stream `doc:plan`. */
export const PLAN_DOC_NAME = 'plan';
/** The XmlFragment of the rich text (TipTap's default field). */
export const PLAN_FRAGMENT = 'default';
/** The Y.Array of agreed actions. */
export const PLAN_ACTIONS = 'actions';
/** The Y.Map of plan metadata. */
export const PLAN_META = 'meta';
/** Key in {@link PLAN_META}: set in the same transaction as the template. */
export const TEMPLATE_FLAG = 'templateInserted';

/**
 * The sections of the template, in plan order: the client's situation in his own words,
 * the service need, primary benefits to apply for, agreed actions, follow-up and the
 * transition points (DOMAIN.md). Their texts come from the UI's language files.
 */
export const TEMPLATE_SECTIONS = ['situation', 'serviceNeed', 'benefits', 'actions', 'followUp', 'transitions'] as const;

/** One section of the plan template: a heading and a guiding sentence under it. */
export interface TemplateSection {
  readonly heading: string;
  readonly guidance: string;
}

/**
 * Write the section template into an empty plan, once. The check and the write happen in
 * one transaction with the flag, so the same document never gets it twice; the UI lets
 * only the workspace's creator call this, so two people opening a new plan at the same
 * moment cannot both insert it. Returns whether it inserted.
 */
export function insertTemplateOnce(doc: Y.Doc, sections: readonly TemplateSection[], origin?: unknown): boolean {
  let inserted = false;
  doc.transact(() => {
    const meta = doc.getMap(PLAN_META);
    const fragment = doc.getXmlFragment(PLAN_FRAGMENT);
    // Text someone already wrote is never buried under a template.
    if (meta.has(TEMPLATE_FLAG) || fragment.length > 0) return;
    const nodes: Y.XmlElement<Record<string, number>>[] = [];
    for (const section of sections) {
      // ProseMirror attributes keep their types: TipTap's heading level is a number.
      const heading = new Y.XmlElement<Record<string, number>>('heading');
      heading.setAttribute('level', 2);
      heading.insert(0, [new Y.XmlText(section.heading)]);
      const paragraph = new Y.XmlElement<Record<string, number>>('paragraph');
      paragraph.insert(0, [new Y.XmlText(section.guidance)]);
      nodes.push(heading, paragraph);
    }
    // Yjs types fragment children with string attributes; the stored value is the number set above.
    fragment.insert(0, nodes as unknown as Y.XmlElement[]);
    meta.set(TEMPLATE_FLAG, true);
    inserted = true;
  }, origin);
  return inserted;
}

/** Statuses of an agreed action. */
export const ACTION_STATUSES = ['planned', 'in_progress', 'done'] as const;
/** A status of an agreed action. */
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** Longest text of one action field. */
export const MAX_ACTION_FIELD_CHARS = 500;

const text = z.string().max(MAX_ACTION_FIELD_CHARS);
const actionSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  what: text,
  owner: text,
  organisation: text,
  // An ISO date (YYYY-MM-DD) or empty: no due date yet.
  due: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/)]),
  status: z.enum(ACTION_STATUSES),
  createdAt: z.number(),
});
/** An agreed action: what, who (and from which organisation), by when, and how far. */
export type ActionItem = z.infer<typeof actionSchema>;
/** The fields people edit. */
export type ActionField = 'what' | 'owner' | 'organisation' | 'due' | 'status';

/** The actions of a plan in list order, and how many entries could not be read. */
export function readActions(doc: Y.Doc): { items: ActionItem[]; unreadable: number } {
  const items: ActionItem[] = [];
  let unreadable = 0;
  for (const entry of doc.getArray<unknown>(PLAN_ACTIONS).toArray()) {
    const parsed = entry instanceof Y.Map ? actionSchema.safeParse(entry.toJSON()) : undefined;
    if (parsed?.success === true) items.push(parsed.data);
    else unreadable++;
  }
  return { items, unreadable };
}

/** Append a new action. Text longer than the limit is cut; a bad date or status is refused. */
export function addAction(doc: Y.Doc, item: Omit<ActionItem, 'createdAt'>, now: number = Date.now()): void {
  const checked = actionSchema.parse({ ...item, ...clip(item), createdAt: now });
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    for (const [key, value] of Object.entries(checked)) map.set(key, value);
    doc.getArray(PLAN_ACTIONS).push([map]);
  });
}

/** Change one field of an action; false if there is no such action or the value is not valid for the field. */
export function updateAction(doc: Y.Doc, id: string, field: ActionField, value: string): boolean {
  const map = findAction(doc, id);
  if (map === undefined) return false;
  const candidate = actionSchema.safeParse({ ...map.toJSON(), [field]: field === 'due' || field === 'status' ? value : value.slice(0, MAX_ACTION_FIELD_CHARS) });
  if (!candidate.success) return false;
  if (map.get(field) === candidate.data[field]) return true;
  map.set(field, candidate.data[field]);
  return true;
}

/** Remove an action; false if there is no such action. */
export function removeAction(doc: Y.Doc, id: string): boolean {
  const array = doc.getArray<unknown>(PLAN_ACTIONS);
  const index = array.toArray().findIndex((entry) => entry instanceof Y.Map && entry.get('id') === id);
  if (index < 0) return false;
  array.delete(index, 1);
  return true;
}

function findAction(doc: Y.Doc, id: string): Y.Map<unknown> | undefined {
  for (const entry of doc.getArray<unknown>(PLAN_ACTIONS).toArray()) {
    if (entry instanceof Y.Map && entry.get('id') === id) return entry as Y.Map<unknown>;
  }
  return undefined;
}

function clip(item: Omit<ActionItem, 'createdAt'>): Pick<ActionItem, 'what' | 'owner' | 'organisation'> {
  return {
    what: item.what.slice(0, MAX_ACTION_FIELD_CHARS),
    owner: item.owner.slice(0, MAX_ACTION_FIELD_CHARS),
    organisation: item.organisation.slice(0, MAX_ACTION_FIELD_CHARS),
  };
}
