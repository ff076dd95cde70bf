// Serves the OpenAPI document as JSON and Swagger UI for people trying the API in a browser.
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';

export function apiDocsRouter(document: Record<string, unknown>): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  // serveFiles, not serve: serve shares one init script per process, so two apps in one
  // process (the tests) would both show the last document set up.
  const options = { swaggerOptions: { tryItOutEnabled: true } };
  router.use(
    '/swagger',
    swaggerUi.serveFiles(document, options),
    swaggerUi.setup(document, options),
  );
  return router;
}

/** OpenAPI pieces both services describe the same way. */
export const sharedOpenApiComponents = {
  schemas: {
    Problem: {
      type: 'object',
      description: 'An RFC 9457 problem details object.',
      required: ['type', 'title', 'status'],
      properties: {
        type: { type: 'string', example: 'about:blank' },
        title: { type: 'string', example: 'Bad Request' },
        status: { type: 'integer', example: 400 },
        detail: { type: 'string' },
        instance: { type: 'string' },
      },
      additionalProperties: true,
    },
  },
} as const;

export function problemResponse(description: string): Record<string, unknown> {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

export const healthPaths = {
  '/health/live': {
    get: {
      tags: ['health'],
      summary: 'Liveness: the process is up',
      responses: { '200': { description: 'The process answers.' } },
    },
  },
  '/health/ready': {
    get: {
      tags: ['health'],
      summary: 'Readiness: connected to Kafka and able to serve',
      responses: {
        '200': {
          description:
            'Ready (`status: ready`), or serving with part of the work held (`status: degraded`, for example a partition at a record batch it cannot decode; the body names it).',
        },
        '503': { description: 'Not ready; the body says why.' },
      },
    },
  },
} as const;
