/**
 * Parsing request parts from `unknown` with the protocol's zod schemas. A refusal names
 * where the input is wrong (issue paths and schema messages) but never repeats what the
 * input was: keys a caller invented are shown as `?`, and messages that would quote
 * them are replaced.
 */
import { MAX_ERROR_MESSAGE_CHARS, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { z } from 'zod';

/** Which part of a request a schema parses; prefixes each issue path. */
export type RequestPart = 'params' | 'query' | 'body';

/** Path segments that are safe to show: indices and identifier-like keys of the protocol's own shapes. */
const SAFE_SEGMENT = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_ISSUES_SHOWN = 8;
const MAX_ISSUE_MESSAGE_CHARS = 120;

function describePath(part: RequestPart, path: readonly PropertyKey[]): string {
  const segments = path.map((s) => (typeof s === 'number' ? String(s) : typeof s === 'string' && SAFE_SEGMENT.test(s) ? s : '?'));
  return [part, ...segments].join('.');
}

function describeIssue(part: RequestPart, issue: z.core.$ZodIssue): string {
  // An unrecognized key's message lists the key names, which come from the caller.
  const message = issue.code === 'unrecognized_keys' ? 'unrecognized key' : issue.message.slice(0, MAX_ISSUE_MESSAGE_CHARS);
  return `${describePath(part, issue.path)}: ${message}`;
}

/** The `bad_request` error for a failed parse: as many issues as fit the wire's message limit. */
function badRequestFrom(part: RequestPart, error: z.ZodError): ProtocolError {
  // Room is kept for the "; and N more" tail.
  const budget = MAX_ERROR_MESSAGE_CHARS - 32;
  let message = `invalid ${part}: `;
  let shown = 0;
  for (const issue of error.issues.slice(0, MAX_ISSUES_SHOWN)) {
    const text = `${shown === 0 ? '' : '; '}${describeIssue(part, issue)}`;
    if (shown > 0 && message.length + text.length > budget) break;
    message += text;
    shown += 1;
  }
  if (shown < error.issues.length) message += `; and ${error.issues.length - shown} more`;
  return new ProtocolError('bad_request', message);
}

/** Parse one request part, or throw `bad_request`. */
export function parseRequestPart<S extends z.ZodType>(schema: S, value: unknown, part: RequestPart): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequestFrom(part, parsed.error);
  return parsed.data;
}
