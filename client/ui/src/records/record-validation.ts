/**
 * Checking a records action in the page before it is sent, with the contract's own schema:
 * each refused field gets a sentence the form shows next to it, and nothing typed is lost.
 */
import type { TFunction } from 'i18next';
import { recordActionSchema } from '@yhteispoyta/local-api';
import type { RecordAction } from '@yhteispoyta/local-api';

/** Field errors by field name (the first segment of the schema's path). */
export type FieldErrors = Readonly<Record<string, string>>;

/** Reasons the form explains; anything else is "check this field". */
type FieldProblem = 'required' | 'date' | 'link' | 'tooLong' | 'invalid';

function problemOf(issue: { code: string; message: string }): FieldProblem {
  if (issue.code === 'too_small' || /blank|empty|at least one/.test(issue.message)) return 'required';
  if (issue.code === 'too_big') return 'tooLong';
  if (/date/.test(issue.message)) return 'date';
  if (/https/.test(issue.message)) return 'link';
  return 'invalid';
}

/** The action if the contract accepts it, else the errors of its fields. */
export function checkAction(t: TFunction, action: unknown): { ok: true; action: RecordAction } | { ok: false; errors: FieldErrors } {
  const parsed = recordActionSchema.safeParse(action);
  if (parsed.success) return { ok: true, action: parsed.data };
  const errors: Record<string, string> = {};
  const given = typeof action === 'object' && action !== null ? (action as Record<string, unknown>) : {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    // A field left empty (a select still on "choose…") is asked for, whatever the schema's words.
    const empty = given[field] === undefined || given[field] === '';
    errors[field] ??= t(`records.fieldProblems.${empty ? 'required' : problemOf(issue)}`);
  }
  return { ok: false, errors };
}
