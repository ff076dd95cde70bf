// Liveness and readiness endpoints: live says the process answers, ready says it can do its job.
import { Router } from 'express';

export interface Readiness {
  ready: boolean;
  /** Ready, but part of the work is held (for example a partition at a batch it cannot decode). */
  degraded?: boolean;
  /** Facts behind the verdict, shown to operators (never secrets). */
  details: Record<string, unknown>;
}

export function healthRouter(readiness: () => Readiness): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'up' });
  });
  router.get('/health/ready', (_req, res) => {
    const { ready, degraded, details } = readiness();
    const status = !ready ? 'not ready' : degraded ? 'degraded' : 'ready';
    res.status(ready ? 200 : 503).json({ status, ...details });
  });
  return router;
}
