import { timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Metrics } from '../platform/observability/metrics';
import { NotFoundError, UnauthenticatedError } from '../platform/errors/domain.errors';

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * GET /metrics in Prometheus format. Guarded by METRICS_TOKEN when set; in production without a
 * token (and without METRICS_PORT) it is not served at all, so it is never public by accident.
 */
export function metricsRouter(metrics: Metrics, token: string | undefined, isProduction: boolean): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    if (token === undefined && isProduction) throw new NotFoundError('No route for GET /metrics.');
    if (token !== undefined && !sameSecret(req.headers.authorization ?? '', `Bearer ${token}`)) {
      throw new UnauthenticatedError('The metrics token is missing or wrong.');
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
