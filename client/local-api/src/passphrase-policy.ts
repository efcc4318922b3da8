/**
 * The one rule for a profile's passphrase, used by the agent when a profile is created
 * (POST /api/profiles) and by the UI as the person types — so the agent never accepts
 * what the UI would refuse, and a script calling the API directly meets the same rule.
 *
 * The profile is encrypted with a key derived from the passphrase, and whoever copies the
 * profile files can guess offline; so besides a minimum length the passphrase must be hard
 * to guess by zxcvbn-ts' estimate (dictionaries of common passwords and words, keyboard
 * patterns, repetition, sequences, dates, l33t): at least {@link MIN_PASSPHRASE_SCORE} on its
 * 0–4 scale, i.e. an estimated 10^8 guesses or more. zxcvbn's dictionaries are English;
 * the product's name, the profile's name and the Finnish and Swedish words for "password"
 * are given to it as words an attacker would try first.
 *
 * This module is not part of the contract's index: its dictionaries are large, so the UI
 * loads it on its own when the create-profile form opens.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/** Fewer characters than this is always refused. */
export const MIN_PASSPHRASE_CHARS = 10;
/** The lowest zxcvbn score (0–4) accepted. */
export const MIN_PASSPHRASE_SCORE = 3;
/**
 * Characters the estimator looks at: its matching grows faster than linearly with length,
 * and a passphrase whose first 100 characters are guessable is guessable.
 */
const ESTIMATED_CHARS = 100;
/** Words an attacker tries first whatever the person's language. */
const LOCAL_WORDS = ['yhteispöytä', 'yhteispoyta', 'salasana', 'tunnussana', 'lösenord', 'passphrase'];

/** How a passphrase measures up. */
export type PassphraseVerdict =
  | { readonly ok: true; readonly score: number }
  | { readonly ok: false; readonly reason: 'empty' | 'too_short' | 'too_guessable'; readonly score: number };

let estimator: ZxcvbnFactory | undefined;

/** zxcvbn with the common dictionaries; built on first use (about 0.2 s). */
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs });
  return estimator;
}

/** The estimator's score (0–4) of a passphrase; `context` are words of this profile (its name). */
export function passphraseScore(passphrase: string, context: readonly string[] = []): number {
  if (passphrase.length === 0) return 0;
  const inputs = [...LOCAL_WORDS, ...context.filter((word) => word.length > 0)];
  return zxcvbn().check([...passphrase].slice(0, ESTIMATED_CHARS).join(''), inputs).score;
}

/** Whether a passphrase may protect a profile, and why not. */
export function checkPassphrase(passphrase: string, context: readonly string[] = []): PassphraseVerdict {
  if (passphrase.length === 0) return { ok: false, reason: 'empty', score: 0 };
  const score = passphraseScore(passphrase, context);
  if ([...passphrase].length < MIN_PASSPHRASE_CHARS) return { ok: false, reason: 'too_short', score };
  if (score < MIN_PASSPHRASE_SCORE) return { ok: false, reason: 'too_guessable', score };
  return { ok: true, score };
}
