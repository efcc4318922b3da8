/**
 * What a profile name may be, for the agent and the UI alike: any human name — "Sanna
 * Virtanen", "Åsa Öberg", "Jean-Luc O'Neil" — of 1–40 characters: letters of any script,
 * digits, spaces between words, and - ' . _ ; no control or bidirectional-override
 * characters (which could make one name look like another), no space at either end, and
 * at most 96 bytes of UTF-8 (the agent names files after it).
 */

/** Longest profile name, in characters. */
const MAX_PROFILE_NAME_CHARS = 40;
/** Longest profile name, in UTF-8 bytes. */
const MAX_PROFILE_NAME_BYTES = 96;

const PROFILE_NAME = /^[\p{L}\p{M}\p{N}_.'’-]+(?: [\p{L}\p{M}\p{N}_.'’-]+)*$/u;

/** Whether `name` is a valid profile name. */
export function isValidProfileName(name: string): boolean {
  return (
    name.length > 0 &&
    [...name].length <= MAX_PROFILE_NAME_CHARS &&
    new TextEncoder().encode(name).length <= MAX_PROFILE_NAME_BYTES &&
    PROFILE_NAME.test(name)
  );
}
