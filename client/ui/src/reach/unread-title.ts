/**
 * The tab's title tells what is unread, so it shows in the browser's tab strip and task
 * bar: `(5) Yhteispöytä` on the list; inside a workspace its label, its own count when
 * other workspaces have more (`(5) Jani, 24 v (2) – Yhteispöytä`).
 */

/** The product name, the title's last part. */
const PRODUCT_TITLE = 'Yhteispöytä';

/** The title for `total` unread messages, in the workspace `label` (with `here` unread) if one is open. */
export function unreadTitle(total: number, open?: { readonly label: string; readonly here: number }): string {
  const lead = total > 0 ? `(${total}) ` : '';
  if (open === undefined || open.label.trim() === '') return `${lead}${PRODUCT_TITLE}`;
  const own = open.here > 0 && open.here !== total ? ` (${open.here})` : '';
  return `${lead}${open.label.trim()}${own} – ${PRODUCT_TITLE}`;
}
