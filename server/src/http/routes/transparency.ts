/**
 * The transparency log (docs/design.md §3.5): its key, certificate and head, consistency
 * proofs and entries for anyone, and the operator's upload of the log certificate.
 */
import { getLog, logConsistency, logEntries, putLogCertificate } from '../../services/transparency';
import type { RouteHandlers } from '../route-binding';

/** Handlers of the transparency log's routes. */
export const transparencyRoutes: Pick<RouteHandlers, 'getLog' | 'logConsistency' | 'logEntries' | 'putLogCertificate'> = {
  getLog: async ({ ctx }) => getLog(ctx),
  logConsistency: async ({ ctx, query }) => logConsistency(ctx, query.from),
  logEntries: async ({ ctx, query }) => logEntries(ctx, query.start, query.count),
  putLogCertificate: async ({ ctx, body }) => putLogCertificate(ctx, body.certificate),
};
