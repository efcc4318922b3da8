/**
 * A zod failure as a bad_request message that names where the request is wrong and
 * never what it contained: record keys come from the client, so only keys that look
 * like protocol field names are shown.
 */
import type { z } from 'zod';

const SAFE_SEGMENT = /^[A-Za-z0-9_:-]{1,64}$/;
const MAX_LISTED_ISSUES = 5;

function segment(key: PropertyKey): string {
  if (typeof key === 'number') return String(key);
  if (typeof key === 'string' && SAFE_SEGMENT.test(key)) return key;
  return '?';
}

/** `invalid request: envelope.nonce (custom); limit (too_big)` for the first few issues. */
export function describeIssues(error: z.ZodError): string {
  const listed = error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const path = issue.path.length === 0 ? '(payload)' : issue.path.map(segment).join('.');
    return `${path} (${issue.code})`;
  });
  const more = error.issues.length > MAX_LISTED_ISSUES ? ` and ${error.issues.length - MAX_LISTED_ISSUES} more` : '';
  return `invalid request: ${listed.join('; ')}${more}`;
}
