/**
 * A plain-language hint of how hard a passphrase is to guess. The profile is encrypted
 * with a key derived from it, and whoever copies the profile files can try guesses
 * offline, so length matters most: several unrelated words beat a short password with
 * symbols. This is a rough, honest estimate (length, character classes, repetition,
 * common patterns), not a guarantee; it never blocks the user, it only advises.
 */

/** The levels the UI shows, weakest first. */
export const STRENGTH_LEVELS = ['empty', 'too_short', 'weak', 'fair', 'good', 'strong'] as const;
/** One strength level. */
export type StrengthLevel = (typeof STRENGTH_LEVELS)[number];

/** Fewer characters than this is always `too_short`. */
export const MIN_PASSPHRASE_CHARS = 10;

const COMMON = /^(?:salasana|password|qwerty|asdf|123456|abc|kela|passw0rd|letmein|iloveyou)/i;

/** Rough bits of guessing work: length × log2(alphabet), discounted for repetition and common patterns. */
export function estimateBits(passphrase: string): number {
  const chars = [...passphrase];
  if (chars.length === 0) return 0;
  let alphabet = 0;
  if (/[a-zåäö]/.test(passphrase)) alphabet += 29;
  if (/[A-ZÅÄÖ]/.test(passphrase)) alphabet += 29;
  if (/[0-9]/.test(passphrase)) alphabet += 10;
  if (/[^a-zA-ZåäöÅÄÖ0-9]/.test(passphrase)) alphabet += 33;
  const unique = new Set(chars).size;
  // A string of few distinct characters ("aaaaaaaa", "abababab") is far weaker than its length.
  const effectiveLength = Math.min(chars.length, unique * 2.5);
  let bits = effectiveLength * Math.log2(Math.max(alphabet, 2));
  if (COMMON.test(passphrase)) bits -= 20;
  if (/^(.)\1+$/u.test(passphrase)) bits = Math.min(bits, 8);
  return Math.max(0, Math.round(bits));
}

/** The strength level of a passphrase. */
export function passphraseStrength(passphrase: string): StrengthLevel {
  if (passphrase.length === 0) return 'empty';
  if ([...passphrase].length < MIN_PASSPHRASE_CHARS) return 'too_short';
  const bits = estimateBits(passphrase);
  if (bits < 40) return 'weak';
  if (bits < 60) return 'fair';
  if (bits < 80) return 'good';
  return 'strong';
}
