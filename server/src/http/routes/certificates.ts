/**
 * Identities: the deployment root, storing certificates (admin tool and devices),
 * certificate bundles for agents, and the enrolments that wait for their code's issuer.
 */
import { storeCertificate } from '../../services/certificates';
import { queryCertificates } from '../../services/certificate-bundles';
import { invitationEnrolment, listOrgEnrolments, pendingDevices } from '../../services/enrolments';
import { getRoot, setRoot } from '../../services/root';
import { deviceRefOf } from '../../services/sessions';
import type { RouteHandlers } from '../route-binding';

/** Handlers of the identity routes. */
export const certificateRoutes: Pick<
  RouteHandlers,
  | 'setRoot' | 'getRoot' | 'adminStoreCertificate' | 'storeCertificate' | 'queryCertificates'
  | 'listOrgEnrolments' | 'pendingDevices' | 'invitationEnrolment'
> = {
  setRoot: async ({ ctx, body }) => setRoot(ctx, body.rootKey),
  getRoot: async ({ ctx }) => getRoot(ctx),
  adminStoreCertificate: async ({ ctx, body }) => storeCertificate(ctx, { kind: 'admin' }, body.certificate),
  storeCertificate: async ({ ctx, device, body }) => storeCertificate(ctx, { kind: 'device', device: deviceRefOf(device) }, body.certificate),
  queryCertificates: async ({ ctx, body }) => queryCertificates(ctx, body),
  listOrgEnrolments: async ({ ctx, params }) => listOrgEnrolments(ctx, params.orgId),
  pendingDevices: async ({ ctx, device }) => pendingDevices(ctx, deviceRefOf(device)),
  invitationEnrolment: async ({ ctx, device, params }) => invitationEnrolment(ctx, deviceRefOf(device), params.codeId),
};
