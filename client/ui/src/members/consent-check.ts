/**
 * What a consent answer of the client would do, computed before he signs it (issue 13):
 * who leaves the case with it (professionals of organisations it leaves out, unless a
 * statutory basis is recorded for them) and whether
 * it removes every owner, in which case the chain refuses it unless it hands the case to a
 * remaining professional or closes it. The same rule runs in every agent and the server
 * (crypto membership-rules.ts answerConsent); this copy only lets the page ask first.
 * Pure, so it is tested without a page.
 */
import type { Member } from '@yhteispoyta/local-api';

/** The effect of keeping only `keptOrgIds`. */
export interface AnswerEffect {
  /** professionals who leave the case with the answer */
  readonly leaving: readonly Member[];
  /** the answer removes every owner: a hand-over or closing is required */
  readonly ownersLost: boolean;
  /** who could take the case over: remaining professionals with a device */
  readonly heirs: readonly Member[];
}

/** The effect of an answer that keeps the organisations `keptOrgIds` (every client always stays). */
export function answerEffect(members: readonly Member[], keptOrgIds: ReadonlySet<string>): AnswerEffect {
  const professionals = members.filter((m) => m.role !== 'client');
  // A member with a statutory basis stays whatever the answer (the chain rules keep him too).
  const stays = (m: Member): boolean => keptOrgIds.has(m.orgId) || m.statutoryBasis === true;
  const leaving = professionals.filter((m) => !stays(m));
  const staying = professionals.filter(stays);
  const ownersLost = professionals.some((m) => m.owner) && !staying.some((m) => m.owner && m.devices.length > 0);
  return { leaving, ownersLost, heirs: staying.filter((m) => m.devices.length > 0) };
}

/** The client's choice when his answer removes every owner. */
export type EndingChoice = { readonly handOverTo: string } | { readonly close: true };

/** The signed fields of a choice (none when no owner is lost). */
export function endingFields(effect: AnswerEffect, choice: EndingChoice | undefined): { handOverTo?: string; close?: true } {
  if (!effect.ownersLost || choice === undefined) return {};
  return 'close' in choice ? { close: true } : { handOverTo: choice.handOverTo };
}

/** The organisations of the professionals now in the case: what the client is asked about first. */
export function presentOrgIds(members: readonly Member[]): string[] {
  return [...new Set(members.filter((m) => m.role !== 'client').map((m) => m.orgId))];
}
