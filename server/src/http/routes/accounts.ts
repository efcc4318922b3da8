/**
 * Accounts: the admin API (organisations, enrolment codes), the directory of
 * organisations and professionals, invitation and device-link codes, enrolment, and
 * challenge–response login.
 */
import { createOrg, listOrgs, listOrgUsers } from '../../services/directory';
import { issueEnrolmentCode, issueInvitation, issueLinkCode } from '../../services/codes';
import { enrol } from '../../services/enrolment';
import { deviceRefOf, issueChallenge, login } from '../../services/sessions';
import type { RouteHandlers } from '../route-binding';

/** Handlers of the account routes. */
export const accountRoutes: Pick<
  RouteHandlers,
  'createOrg' | 'issueEnrolmentCode' | 'listOrgs' | 'listOrgUsers' | 'createInvitation' | 'createLinkCode' | 'enrol' | 'authChallenge' | 'login'
> = {
  createOrg: async ({ ctx, body }) => createOrg(ctx, body.name),
  issueEnrolmentCode: async ({ ctx, body }) => issueEnrolmentCode(ctx, body),
  listOrgs: async ({ ctx }) => listOrgs(ctx),
  listOrgUsers: async ({ ctx, params }) => listOrgUsers(ctx, params.orgId),
  createInvitation: async ({ ctx, device, body }) => issueInvitation(ctx, deviceRefOf(device), body),
  createLinkCode: async ({ ctx, device }) => issueLinkCode(ctx, deviceRefOf(device)),
  enrol: async ({ ctx, body }) => enrol(ctx, body),
  authChallenge: async ({ ctx, body }) => issueChallenge(ctx, body),
  login: async ({ ctx, body }) => login(ctx, body),
};
