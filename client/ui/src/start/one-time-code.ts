/**
 * One-time codes as people paste them: `enr_…` from an organisation's administrator,
 * `inv_…` from the professional who invited a client, `lnk_…` from the person's own
 * first device (with the new device's number at the end). A pasted code often carries
 * spaces or a line break; none belongs to a code, so all are dropped before it is checked.
 */

/** The kinds of code, by the prefix of their id. */
export const CODE_KINDS = ['enrolment', 'invitation', 'device_link'] as const;
/** A kind of code. */
export type CodeKind = (typeof CODE_KINDS)[number];

const KIND_OF_PREFIX: Readonly<Record<string, CodeKind>> = { enr: 'enrolment', inv: 'invitation', lnk: 'device_link' };
const CODE = /^(enr|inv|lnk)_[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}(\.[1-9][0-9]{0,2})?$/;
/** Longest code the agent accepts. */
const MAX_CODE_CHARS = 200;

/** The code without any whitespace (spaces, tabs, line breaks, no-break and zero-width spaces). */
export function normaliseCode(input: string): string {
  return input.replace(/[\s\u200b-\u200d\u2060\ufeff]+/g, '');
}

/** What a typed code looks like so far. */
export type CodeCheck =
  | { readonly state: 'empty' }
  | { readonly state: 'malformed' }
  | { readonly state: 'valid'; readonly kind: CodeKind; readonly code: string };

/**
 * Check a code as typed or pasted. Only a link code ends with a device number, and it
 * must: the other kinds never do.
 */
export function checkCode(input: string): CodeCheck {
  const code = normaliseCode(input);
  if (code === '') return { state: 'empty' };
  const match = code.length <= MAX_CODE_CHARS ? CODE.exec(code) : null;
  const kind = match === null ? undefined : KIND_OF_PREFIX[match[1] ?? ''];
  if (match === null || kind === undefined) return { state: 'malformed' };
  const hasDevice = match[2] !== undefined;
  if (hasDevice !== (kind === 'device_link')) return { state: 'malformed' };
  return { state: 'valid', kind, code };
}
