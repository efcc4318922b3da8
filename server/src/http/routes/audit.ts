/**
 * The operator's check of the audit log: the whole hash chain recomputed on the server
 * (`npm run admin -- verify-audit`).
 */
import { verifyAudit } from '../../services/audit';
import type { RouteHandlers } from '../route-binding';

/** Handler of the audit verification route. */
export const auditRoutes: Pick<RouteHandlers, 'verifyAudit'> = {
  verifyAudit: async ({ ctx }) => verifyAudit(ctx),
};
