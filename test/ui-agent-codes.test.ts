/**
 * The UI may not import the agent (it talks to it over HTTP only), so it keeps its own
 * list of the problem codes it explains. This keeps the two lists from drifting apart.
 */
import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES as agentCodes } from '../client/agent/src/contracts';
import { PROBLEM_CODES as uiCodes } from '../client/ui/src/shell/problem-codes';

describe('problem codes', () => {
  it('the UI explains exactly the codes the agent reports', () => {
    expect([...uiCodes].sort()).toEqual([...agentCodes].sort());
  });
});
