/**
 * The shape of a workspace's joint client plan (yhteinen asiakassuunnitelma) as one Yjs
 * document, the agent's `doc:plan` stream (y-websocket room `<workspaceId>/plan`):
 *
 * - `default` (Y.XmlFragment): the rich text TipTap's Collaboration extension binds (its
 *   default field), made of `heading` and `paragraph` elements;
 * - `actions` (Y.Array of Y.Map): the agreed actions (sovitut toimenpiteet), one map per
 *   action; its text fields (what, owner, organisation) are Y.Text, typed into keystroke by
 *   keystroke, so two people typing into one cell both keep their text; due date and status
 *   are plain values (a date or a status is chosen, not merged). An earlier version wrote
 *   the text fields as plain strings: they are read as they are and become Y.Text at their
 *   first edit;
 * - `meta` (Y.Map): `templateInserted` records that the section template was written.
 *
 * Every member can write anything into this document, so what is read back is parsed:
 * an action that does not have the expected shape is counted, not shown half.
 */
import * as Y from 'yjs';
import { MAX_PLAN_ACTION_FIELD_CHARS, PLAN_ACTION_STATUSES, PLAN_DOC_ACTIONS, planActionSchema } from '@yhteispoyta/local-api';
import type { PlanAction } from '@yhteispoyta/local-api';

/** The plan's document name: y-websocket room `<workspaceId>/plan`, agent stream `doc:plan`. */
export const PLAN_DOC_NAME = 'plan';
/** The XmlFragment of the rich text (TipTap's default field). */
export const PLAN_FRAGMENT = 'default';
/** The Y.Array of agreed actions (the agent's task list reads the same one). */
export const PLAN_ACTIONS = PLAN_DOC_ACTIONS;
/** The Y.Map of plan metadata. */
export const PLAN_META = 'meta';
/** Key in {@link PLAN_META}: set in the same transaction as the template. */
export const TEMPLATE_FLAG = 'templateInserted';
/** Key in {@link PLAN_META}: the language (fi/sv/en) the template was written in, the creator's choice at creation. */
export const TEMPLATE_LANGUAGE = 'templateLanguage';

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
export function insertTemplateOnce(doc: Y.Doc, sections: readonly TemplateSection[], origin?: unknown, language?: string): boolean {
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
    if (language !== undefined) meta.set(TEMPLATE_LANGUAGE, language);
    inserted = true;
  }, origin);
  return inserted;
}

/** Statuses of an agreed action. */
export const ACTION_STATUSES = PLAN_ACTION_STATUSES;
/** A status of an agreed action. */
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** Longest text of one action field. */
export const MAX_ACTION_FIELD_CHARS = MAX_PLAN_ACTION_FIELD_CHARS;

// One schema with the agent's task list (@yhteispoyta/local-api).
const actionSchema = planActionSchema;
/** An agreed action: what, who (a member by userId, or an earlier version's free text), by when, how far, and where it came from. */
export type ActionItem = PlanAction;
/** The fields people edit. */
export type ActionField = 'what' | 'owner' | 'organisation' | 'due' | 'status' | 'ownerUserId';

/**
 * The actions of a plan in list order, and how many entries could not be read. An id seen
 * twice (two people turned the same meeting decision into an action at the same moment)
 * is one action: the first in the array's order, which every replica agrees on.
 */
export function readActions(doc: Y.Doc): { items: ActionItem[]; unreadable: number } {
  const items: ActionItem[] = [];
  const seen = new Set<string>();
  let unreadable = 0;
  for (const entry of doc.getArray<unknown>(PLAN_ACTIONS).toArray()) {
    const parsed = entry instanceof Y.Map ? actionSchema.safeParse(entry.toJSON()) : undefined;
    if (parsed?.success !== true) unreadable++;
    else if (!seen.has(parsed.data.id)) {
      seen.add(parsed.data.id);
      items.push(parsed.data);
    }
  }
  return { items, unreadable };
}

/** The id of the action a meeting decision becomes: the same on every device, so doing it twice makes one action. */
export function decisionActionId(decisionId: string): string {
  return `d-${decisionId}`.slice(0, 64);
}

/** A meeting decision to turn into an agreed action. */
export interface DecisionToAction {
  readonly meetingId: string;
  readonly decisionId: string;
  readonly text: string;
  readonly ownerUserId?: string;
  readonly due?: string;
}

/**
 * Append the agreed action a meeting decision becomes, with a reference back to the
 * meeting and the decision, unless the plan has it already. Returns whether it added one.
 */
export function addActionFromDecision(doc: Y.Doc, decision: DecisionToAction, now: number = Date.now()): boolean {
  const id = decisionActionId(decision.decisionId);
  let added = false;
  doc.transact(() => {
    if (findAction(doc, id) !== undefined) return;
    addAction(doc, {
      id, what: decision.text, owner: '', organisation: '', due: decision.due ?? '', status: 'planned',
      fromMeetingId: decision.meetingId, fromDecisionId: decision.decisionId,
      ...(decision.ownerUserId === undefined ? {} : { ownerUserId: decision.ownerUserId }),
    }, now);
    added = true;
  });
  return added;
}

/** The fields of an action that are collaborative text (Y.Text). */
export const ACTION_TEXT_FIELDS = ['what', 'owner', 'organisation'] as const;
/** A collaborative text field of an action. */
export type ActionTextField = (typeof ACTION_TEXT_FIELDS)[number];

const isTextField = (field: string): field is ActionTextField => (ACTION_TEXT_FIELDS as readonly string[]).includes(field);

/** Append a new action. Text longer than the limit is cut; a bad date or status is refused. */
export function addAction(doc: Y.Doc, item: Omit<ActionItem, 'createdAt'>, now: number = Date.now()): void {
  const checked = actionSchema.parse({ ...item, ...clip(item), createdAt: now });
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    for (const [key, value] of Object.entries(checked)) map.set(key, isTextField(key) && typeof value === 'string' ? new Y.Text(value) : value);
    doc.getArray(PLAN_ACTIONS).push([map]);
  });
}

/**
 * Change the due date or the status of an action (chosen values: the last choice wins);
 * false if there is no such action or the value is not valid for the field. Text fields
 * change with {@link editActionText}.
 */
export function updateAction(doc: Y.Doc, id: string, field: Exclude<ActionField, ActionTextField>, value: string): boolean {
  const map = findAction(doc, id);
  if (map === undefined) return false;
  // No owner chosen: the field goes (an earlier free-text owner shows again).
  if (field === 'ownerUserId' && value === '') {
    if (map.has(field)) map.delete(field);
    return true;
  }
  const candidate = actionSchema.safeParse({ ...map.toJSON(), [field]: value });
  if (!candidate.success) return false;
  if (map.get(field) === candidate.data[field]) return true;
  map.set(field, candidate.data[field]);
  return true;
}

/** The Y.Text of an action's text field, or undefined (no such action, or a plain string of an earlier version). */
export function actionText(doc: Y.Doc, id: string, field: ActionTextField): Y.Text | undefined {
  const value = findAction(doc, id)?.get(field);
  return value instanceof Y.Text ? value : undefined;
}

/**
 * Make an action's text field read `next` (cut to the limit) by the smallest change to its
 * Y.Text: what someone else typed elsewhere in the same cell meanwhile stays. A field an
 * earlier version wrote as a plain string becomes Y.Text now. False if there is no such action.
 */
export function editActionText(doc: Y.Doc, id: string, field: ActionTextField, next: string): boolean {
  const map = findAction(doc, id);
  if (map === undefined) return false;
  const clipped = next.slice(0, MAX_ACTION_FIELD_CHARS);
  doc.transact(() => {
    const current = map.get(field);
    if (current instanceof Y.Text) applyTextChange(current, clipped);
    else map.set(field, new Y.Text(clipped));
  });
  return true;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** Change `text` to read `next` by deleting and inserting only between their common start and end (never inside a surrogate pair). */
export function applyTextChange(text: Y.Text, next: string): void {
  const prev = text.toString();
  if (prev === next) return;
  const max = Math.min(prev.length, next.length);
  let start = 0;
  while (start < max && prev.charCodeAt(start) === next.charCodeAt(start)) start++;
  if (start > 0 && isHighSurrogate(prev.charCodeAt(start - 1))) start--;
  let end = 0;
  while (end < max - start && prev.charCodeAt(prev.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) end++;
  if (end > 0 && isLowSurrogate(prev.charCodeAt(prev.length - end))) end--;
  const removed = prev.length - start - end;
  const inserted = next.slice(start, next.length - end);
  const write = (): void => {
    if (removed > 0) text.delete(start, removed);
    if (inserted.length > 0) text.insert(start, inserted);
  };
  // One transaction: others see one change, never the deletion without its insertion.
  if (text.doc === null) write();
  else text.doc.transact(write);
}

/** One operation of a Y.Text change (Yjs' delta format). */
export interface TextDeltaOp {
  readonly insert?: string | object;
  readonly delete?: number;
  readonly retain?: number;
}

/** Where a caret at `position` stands after someone else's change `delta`: moved by what was inserted or deleted before it. */
export function shiftThroughDelta(position: number, delta: readonly TextDeltaOp[]): number {
  let index = 0;
  let caret = position;
  for (const op of delta) {
    if (op.retain !== undefined) {
      index += op.retain;
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1;
      if (index < caret) caret += length;
      index += length;
    } else if (op.delete !== undefined) {
      if (index < caret) caret -= Math.min(op.delete, caret - index);
    }
  }
  return caret;
}

/** Remove an action (every copy of its id); false if there is no such action. */
export function removeAction(doc: Y.Doc, id: string): boolean {
  const array = doc.getArray<unknown>(PLAN_ACTIONS);
  const indexes = array
    .toArray()
    .flatMap((entry, index) => (entry instanceof Y.Map && entry.get('id') === id ? [index] : []))
    .reverse();
  if (indexes.length === 0) return false;
  doc.transact(() => {
    for (const index of indexes) array.delete(index, 1);
  });
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
