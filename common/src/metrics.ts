// Prometheus metrics: the process's own (memory, event loop, GC), HTTP request durations by route
// and status, and whatever each service registers. Served at GET /metrics.
import { Router, type RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  counter(name: string, help: string, labelNames?: string[]): Counter;
  /** A gauge read when scraped. */
  gauge(
    name: string,
    help: string,
    read: (set: (value: number, labels?: Record<string, string | number>) => void) => void,
    labelNames?: string[],
  ): Gauge;
  histogram(name: string, help: string, buckets: number[], labelNames?: string[]): Histogram;
  /** A counter whose running total is kept elsewhere and read when scraped. */
  counterFrom(name: string, help: string, read: () => number): Counter;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    counter: (name, help, labelNames = []) =>
      new Counter({ name, help, labelNames, registers: [registry] }),
    gauge: (name, help, read, labelNames = []) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          read((value, labels) => (labels ? this.set(labels, value) : this.set(value)));
        },
      }),
    histogram: (name, help, buckets, labelNames = []) =>
      new Histogram({ name, help, buckets, labelNames, registers: [registry] }),
    counterFrom: (name, help, read) =>
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(read());
        },
      }),
  };
}

/** Times every request; the route label is the matched route's pattern, never the raw path. */
export function httpMetrics(metrics: Metrics): RequestHandler {
  const duration = metrics.histogram(
    'http_request_duration_seconds',
    'HTTP request duration by method, route and status.',
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ['method', 'route', 'status'],
  );
  return (req, res, next) => {
    const end = duration.startTimer();
    res.once('close', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

export function metricsRouter(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}
