/**
 * The agent's problem codes the UI explains in its own words (the agent's contracts.ts
 * PROBLEM_CODES); any other code gets the general explanation and the agent's text.
 */

/** Problem codes with an explanation of their own. */
export const PROBLEM_CODES = [
  'malformed',
  'too_large',
  'wrong_context',
  'unknown_author',
  'bad_signature',
  'unknown_epoch',
  'wrong_key',
  'clock_gap',
  'replay',
  'snapshot_chain',
  'chain_invalid',
  'identity_changed',
  'key_distribution',
  'uncertified',
  'enrolment_refused',
  'forbidden',
  'revoked',
  'server_error',
  'offline',
  'attachment_integrity',
] as const;
