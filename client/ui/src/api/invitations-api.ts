/**
 * Invitations to workspaces (issue 15) at the page's agent: the list, accepting and
 * declining. Same transport as agent-api.ts: the tab's token as a bearer header.
 */
import { callRoute } from '@yhteispoyta/local-api';
import type { LocalApiTransport, WorkspaceInvitation } from '@yhteispoyta/local-api';
import { agentAuthHeaders } from './agent-token';

const AGENT: LocalApiTransport = {
  baseUrl: '',
  get headers() {
    return agentAuthHeaders();
  },
};

/** Invitations waiting for this person's decision. */
export const invitationsApi = {
  list: async (): Promise<WorkspaceInvitation[]> => (await callRoute(AGENT, 'listInvitations')).invitations,
  /** accept: the workspace becomes one of this person's (a decision kept on this computer) */
  accept: async (workspaceId: string) => (await callRoute(AGENT, 'acceptInvitation', { params: { workspaceId } })).workspace,
  /** a client joins a further case with its invitation code */
  joinWithCode: async (code: string) => (await callRoute(AGENT, 'joinWithCode', { body: { code } })).workspaceId,
  /** decline: this person leaves the workspace */
  decline: async (workspaceId: string) => {
    await callRoute(AGENT, 'declineInvitation', { params: { workspaceId } });
  },
};
