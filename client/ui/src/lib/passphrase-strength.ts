/**
 * The passphrase rule as the create-profile form shows it. The rule itself is the local-API
 * contract's (passphrase-policy.ts: at least 10 characters and zxcvbn-ts' score of at least
 * 3), the same function the agent applies when the profile is created — the form can never
 * let through what the agent refuses, nor refuse what it accepts. Its dictionaries are
 * large, so the module is loaded on its own chunk when the form first needs it.
 */
import { useEffect, useState } from 'react';
import type * as PolicyModule from '@yhteispoyta/local-api/passphrase-policy';

/** The passphrase rule's module. */
export type PassphrasePolicy = typeof PolicyModule;

/** The levels the UI shows, weakest first. */
export const STRENGTH_LEVELS = ['empty', 'too_short', 'weak', 'fair', 'good', 'strong'] as const;
/** One strength level. */
export type StrengthLevel = (typeof STRENGTH_LEVELS)[number];

let loading: Promise<PassphrasePolicy> | undefined;

/** Load the rule (once). */
export function loadPassphrasePolicy(): Promise<PassphrasePolicy> {
  loading ??= import('@yhteispoyta/local-api/passphrase-policy');
  return loading;
}

/** The rule, once loaded; undefined for the moment it takes. */
export function usePassphrasePolicy(): PassphrasePolicy | undefined {
  const [policy, setPolicy] = useState<PassphrasePolicy | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void loadPassphrasePolicy().then((loaded) => {
      if (live) setPolicy(() => loaded);
    });
    return () => {
      live = false;
    };
  }, []);
  return policy;
}

/** What the form says of a passphrase: its level and whether the agent will accept it. */
export interface PassphraseAssessment {
  readonly level: StrengthLevel;
  readonly accepted: boolean;
  /** why not, when not */
  readonly reason?: 'empty' | 'too_short' | 'too_guessable';
}

/** Assess a passphrase with the rule; `context` are words of this profile (its name). */
export function assessPassphrase(policy: PassphrasePolicy, passphrase: string, context: readonly string[] = []): PassphraseAssessment {
  const verdict = policy.checkPassphrase(passphrase, context);
  if (!verdict.ok && verdict.reason === 'empty') return { level: 'empty', accepted: false, reason: 'empty' };
  if (!verdict.ok && verdict.reason === 'too_short') return { level: 'too_short', accepted: false, reason: 'too_short' };
  // zxcvbn's scores: 0–1 weak, 2 fair (still refused), 3 good, 4 strong.
  const level: StrengthLevel = verdict.score <= 1 ? 'weak' : verdict.score === 2 ? 'fair' : verdict.score === 3 ? 'good' : 'strong';
  return verdict.ok ? { level, accepted: true } : { level, accepted: false, reason: verdict.reason };
}

/** The attributes of the strength bar (a `<meter>`): its value and the zones the browser colours. */
export interface StrengthMeter {
  readonly min: 0;
  readonly max: number;
  readonly value: number;
  /** below `low`: red (refused: too short or too easy to guess) */
  readonly low: number;
  /** from `high` on: green (accepted) */
  readonly high: number;
  readonly optimum: number;
}

/**
 * The strength bar of a level. Without low/high/optimum a browser draws every value of a
 * meter in its "good" colour — a green bar under "liian lyhyt" — so the zones are set:
 * refused levels red, "fair" (still refused, close) yellow, accepted levels green.
 */
export function strengthMeter(level: StrengthLevel): StrengthMeter {
  const index = (l: StrengthLevel): number => STRENGTH_LEVELS.indexOf(l);
  return { min: 0, max: index('strong'), value: index(level), low: index('fair'), high: index('good'), optimum: index('strong') };
}

/** The zone of a meter's value as the HTML standard defines it for an optimum above `high`. */
export function meterZone(meter: StrengthMeter): 'optimum' | 'suboptimal' | 'even-less-good' {
  if (meter.value >= meter.high) return 'optimum';
  return meter.value >= meter.low ? 'suboptimal' : 'even-less-good';
}
