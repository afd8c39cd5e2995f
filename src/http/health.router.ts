import { Router } from 'express';
import type { ReadinessCheck } from '../platform/readiness';

/** /health says the process runs; /ready says it can serve, checking each dependency. */
export function healthRouter(readiness: ReadinessCheck): Router {
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/ready', async (_req, res) => {
    const report = await readiness.check();
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'unavailable', checks: report.checks });
  });

  return router;
}
