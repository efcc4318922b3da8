/**
 * Mentions in chat: `@Maija Virtanen` (or `@Maija`) names a member. The composer completes
 * a started `@nam…` from the workspace's members; a message that mentions this person is
 * highlighted and notified. A mention is only text: it grants nothing and reaches only
 * members, who see every message anyway.
 */

/** The fragment after an `@` that the caret is in (`@Mai|`), or undefined when the caret is not in one. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | undefined {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return undefined;
  // The `@` starts a word, and at most two words (first and last name) follow it.
  if (at > 0 && !/\s|[(["']/.test(before.charAt(at - 1))) return undefined;
  const query = before.slice(at + 1);
  if (query.length > 40 || /\n/.test(query) || query.split(' ').length > 2) return undefined;
  return { start: at, query };
}

/** Names of `names` that start with the query (or one of whose words does), at most `limit`. */
export function mentionCandidates(names: readonly string[], query: string, limit = 6): string[] {
  const q = query.trim().toLocaleLowerCase();
  const unique = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
  return unique
    .filter((name) => {
      const lower = name.toLocaleLowerCase();
      return q === '' || lower.startsWith(q) || lower.split(/\s+/).some((word) => word.startsWith(q));
    })
    .slice(0, limit);
}

/** The text with the mention at `start` (up to `caret`) replaced by `@name `, and where the caret goes. */
export function completeMention(text: string, start: number, caret: number, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  return { text: text.slice(0, start) + inserted + text.slice(caret), caret: start + inserted.length };
}

/** One part of a message's text: plain, or a mention of a known name (and whether it names this person). */
export type TextPart = { readonly text: string; readonly mention?: { readonly self: boolean } };

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Split `text` into plain parts and mentions of `names` (full names, and first names that
 * are unambiguous). `selfNames` are this person's full name(s); a mention of them or of
 * their first name is `self`. Longest names win; a mention must end at a word boundary.
 */
export function splitMentions(text: string, names: readonly string[], selfNames: readonly string[]): TextPart[] {
  const full = [...new Set([...names, ...selfNames].map((n) => n.trim()).filter((n) => n !== ''))];
  const firsts = new Map<string, string[]>();
  for (const name of full) {
    const first = name.split(/\s+/)[0] ?? name;
    if (first !== name) firsts.set(first, [...(firsts.get(first) ?? []), name]);
  }
  const selfSet = new Set(selfNames.map((n) => n.trim().toLocaleLowerCase()));
  const target = new Map<string, boolean>();
  for (const name of full) target.set(name.toLocaleLowerCase(), selfSet.has(name.toLocaleLowerCase()));
  for (const [first, owners] of firsts) {
    if (owners.length !== 1 || target.has(first.toLocaleLowerCase())) continue;
    target.set(first.toLocaleLowerCase(), selfSet.has((owners[0] ?? '').toLocaleLowerCase()));
  }
  if (target.size === 0) return [{ text }];
  const alternatives = [...target.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(`(^|[\\s(["'])@(${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const lead = match[1] ?? '';
    const start = (match.index ?? 0) + lead.length;
    const end = (match.index ?? 0) + match[0].length;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: text.slice(start, end), mention: { self: target.get((match[2] ?? '').toLocaleLowerCase()) ?? false } });
    last = end;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** Whether `text` mentions this person (by full name, or by an unambiguous first name). */
export function mentionsSelf(text: string, names: readonly string[], selfNames: readonly string[]): boolean {
  return splitMentions(text, names, selfNames).some((part) => part.mention?.self === true);
}
