/**
 * Safety numbers as people compare them: 60 digits in twelve groups of five, the way
 * Signal shows them, so two people can read them aloud to each other group by group.
 */

/** Digits in a safety number. */
const SAFETY_NUMBER_DIGITS = 60;
/** Digits per group. */
const SAFETY_NUMBER_GROUP = 5;

/** The groups of a 60-digit safety number; undefined for anything else (never shown half). */
export function safetyNumberGroups(safetyNumber: string): string[] | undefined {
  if (!new RegExp(`^[0-9]{${SAFETY_NUMBER_DIGITS}}$`).test(safetyNumber)) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < SAFETY_NUMBER_DIGITS; i += SAFETY_NUMBER_GROUP) groups.push(safetyNumber.slice(i, i + SAFETY_NUMBER_GROUP));
  return groups;
}
