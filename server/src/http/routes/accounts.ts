/**
 * Accounts: the admin API (organisations, enrolment code ids), the directory of
 * organisations and professionals, invitation and device-link code ids, enrolment, and
 * challenge–response login.
 */
import { listOrgUsers } from '../../services/directory';
import { createOrg, listOrgs } from '../../services/orgs';
import { issueEnrolmentCode, issueInvitation, issueLinkCode } from '../../services/codes';
import { enrol, redeemInvitation } from '../../services/enrolment';
import { deviceRefOf, issueChallenge, login } from '../../services/sessions';
import type { RouteHandlers } from '../route-binding';

/** Handlers of the account routes. */
export const accountRoutes: Pick<
  RouteHandlers,
  | 'createOrg' | 'adminListOrgs' | 'issueEnrolmentCode' | 'listOrgs' | 'listOrgUsers' | 'createInvitation' | 'createLinkCode'
  | 'enrol' | 'redeemInvitation' | 'authChallenge' | 'login'
> = {
  createOrg: async ({ ctx, body }) => createOrg(ctx, body.certificate),
  adminListOrgs: async ({ ctx }) => listOrgs(ctx),
  issueEnrolmentCode: async ({ ctx, body }) => issueEnrolmentCode(ctx, body),
  listOrgs: async ({ ctx }) => listOrgs(ctx),
  listOrgUsers: async ({ ctx, device, params, query }) => listOrgUsers(ctx, deviceRefOf(device), params.orgId, query.q),
  createInvitation: async ({ ctx, device, body }) => issueInvitation(ctx, deviceRefOf(device), body),
  createLinkCode: async ({ ctx, device, body }) => issueLinkCode(ctx, deviceRefOf(device), body),
  enrol: async ({ ctx, body }) => enrol(ctx, body),
  redeemInvitation: async ({ ctx, device, body }) => redeemInvitation(ctx, deviceRefOf(device), body),
  authChallenge: async ({ ctx, body }) => issueChallenge(ctx, body),
  login: async ({ ctx, body }) => login(ctx, body),
};
