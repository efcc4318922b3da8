/**
 * Liveness and readiness: `/health` answers while the process runs; `/ready` asks the
 * store and answers 503 when it does not respond, so a load balancer stops routing here.
 */
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { RouteHandlers } from '../route-binding';

/** Handlers of `health` and `ready`. */
export const healthRoutes: Pick<RouteHandlers, 'health' | 'ready'> = {
  health: async () => ({ status: 'ok', protocol: PROTOCOL_VERSION }),
  ready: async ({ ctx, raw }) => {
    const health = await ctx.store.health();
    if (!health.ok) {
      // The store's error text stays in the log: it may describe the deployment.
      ctx.log.warn({ store: health.kind, error: health.error }, 'store not ready');
      raw.setStatus(503);
    }
    return { ready: health.ok };
  },
};
