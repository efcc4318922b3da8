/**
 * What a co-edited document (the plan, a meeting's minutes) says, read from its Y.Doc in
 * the agent for an export: the rich text as headings and paragraphs, and the plan's
 * agreed actions. Any member can write anything into the document, so what does not have
 * the expected shape is skipped, never trusted.
 */
import * as Y from 'yjs';
import { z } from 'zod';

/** The XmlFragment TipTap's Collaboration binds (the UI's plan-doc.ts PLAN_FRAGMENT). */
const FRAGMENT = 'default';
/** The Y.Array of the plan's agreed actions (the UI's plan-doc.ts PLAN_ACTIONS). */
const ACTIONS = 'actions';
/** Most characters of text read from one document: an export is a record, not a dump. */
const MAX_CHARS = 200_000;

/** A heading and the paragraphs under it. */
export interface TextSection {
  heading: string;
  paragraphs: string[];
}

/** The plain text of one element: its text runs, nested elements (list items) on their own. */
function textOf(node: Y.XmlElement | Y.XmlText | Y.XmlHook): string {
  if (node instanceof Y.XmlText) {
    return (node.toDelta() as { insert?: unknown }[]).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
  }
  if (node instanceof Y.XmlElement) {
    const parts = node.toArray().map((child) => textOf(child));
    const joiner = node.nodeName === 'paragraph' || node.nodeName === 'heading' ? '' : '\n';
    const text = parts.filter((p) => p !== '').join(joiner);
    return node.nodeName === 'listItem' ? `• ${text}` : text;
  }
  return '';
}

/** The document's rich text as sections; text before the first heading goes under `firstHeading`. */
export function documentSections(doc: Y.Doc, firstHeading: string): TextSection[] {
  const sections: TextSection[] = [];
  let current: TextSection | undefined;
  let budget = MAX_CHARS;
  for (const node of doc.getXmlFragment(FRAGMENT).toArray()) {
    const text = textOf(node).slice(0, Math.max(budget, 0));
    budget -= text.length;
    if (node instanceof Y.XmlElement && node.nodeName === 'heading') {
      current = { heading: text, paragraphs: [] };
      sections.push(current);
      continue;
    }
    if (text.trim() === '') continue;
    if (current === undefined) {
      current = { heading: firstHeading, paragraphs: [] };
      sections.push(current);
    }
    current.paragraphs.push(text);
  }
  return sections;
}

const field = z.string().max(500).catch('');
const actionSchema = z.object({
  what: field,
  owner: field,
  organisation: field,
  due: field,
  status: field,
});
/** An agreed action as exported. */
export type ExportAction = z.infer<typeof actionSchema>;

/** The plan's agreed actions in list order; entries without the shape of an action are skipped. */
export function planActions(doc: Y.Doc): ExportAction[] {
  const actions: ExportAction[] = [];
  for (const entry of doc.getArray<unknown>(ACTIONS).toArray()) {
    if (!(entry instanceof Y.Map)) continue;
    const parsed = actionSchema.safeParse(entry.toJSON());
    if (parsed.success && parsed.data.what.trim() !== '') actions.push(parsed.data);
  }
  return actions;
}
