// The Express app shell both services share: request ids, metrics, security headers, CORS, query
// limits, health and docs (open), API keys (for everything else), then the service's own routes,
// then 404 and problem+json for every error.
import express, { type Express } from 'express';
import { apiDocsRouter, withProblemExamples, withShellResponses } from './api-docs';
import { healthRouter, type Readiness } from './health';
import { cors, limitQuery, requireApiKey, securityHeaders } from './http-security';
import type { Logger } from './logger';
import { httpMetrics, metricsRouter, type Metrics } from './metrics';
import { notFoundHandler, problemHandler } from './problem';
import { requestContext } from './request-context';

export interface HttpOptions {
  apiKeys: readonly string[];
  corsOrigins: readonly string[];
  maxQueryBytes: number;
  /** Sent as `Service-Instance-Id` on every response when not empty. */
  instanceId?: string;
}

export const DEFAULT_HTTP_OPTIONS: HttpOptions = {
  apiKeys: [],
  corsOrigins: [],
  maxQueryBytes: 4096,
};

export function createServiceApp(
  {
    logger,
    metrics,
    readiness,
    openApi,
    http = DEFAULT_HTTP_OPTIONS,
  }: {
    logger: Logger;
    metrics: Metrics;
    readiness: () => Readiness;
    openApi: Record<string, unknown>;
    http?: HttpOptions;
  },
  mountRoutes: (app: Express) => void,
): Express {
  const app = express();
  const document = withProblemExamples(
    withShellResponses(openApi, {
      maxQueryBytes: http.maxQueryBytes,
      apiKeysRequired: http.apiKeys.length > 0,
    }),
  );
  // The document as served, for whoever holds the app: the tests check every response against it.
  app.locals.apiDocument = document;
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (http.instanceId) {
    const id = http.instanceId;
    app.use((_req, res, next) => {
      res.setHeader('Service-Instance-Id', id);
      next();
    });
  }
  app.use(requestContext(logger));
  app.use(httpMetrics(metrics));
  app.use(securityHeaders());
  app.use(cors(http.corsOrigins));
  app.use(limitQuery(http.maxQueryBytes));
  app.use(healthRouter(readiness));
  app.use(apiDocsRouter(document));
  app.use(requireApiKey(http.apiKeys));
  app.use(metricsRouter(metrics));
  mountRoutes(app);
  app.use(notFoundHandler());
  app.use(problemHandler(logger));
  return app;
}
