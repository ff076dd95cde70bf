// Liveness and readiness endpoints: live says the process answers, ready says it can do its job.
import { Router } from 'express';

export interface Readiness {
  ready: boolean;
  /** Facts behind the verdict, shown to operators (never secrets). */
  details: Record<string, unknown>;
}

export function healthRouter(readiness: () => Readiness): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'up' });
  });
  router.get('/health/ready', (_req, res) => {
    const { ready, details } = readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', ...details });
  });
  return router;
}
