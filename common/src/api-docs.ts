// Serves the OpenAPI document as JSON and Swagger UI for people trying the API in a browser; the
// service's root leads there.
import { STATUS_CODES } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';

/** The other service of the pair, for links and hints: its name and the URL people reach it at. */
export interface PeerService {
  name: string;
  url: string;
}

/**
 * The hint for a request that belongs to the other service (a GET on the producer, a POST on the
 * consumer): where to send it instead. Undefined when the other service is not known.
 */
export function otherServiceHint(
  peer: PeerService | undefined,
  { does, method, path }: { does: string; method: string; path: string },
): string | undefined {
  return peer && `Messages are ${does} ${peer.name}: ${method} ${peer.url}${path}`;
}

const PROBLEM_JSON = 'application/problem+json';

/**
 * The document with an example on every problem response that has none: its own status, the
 * status's title and the response's description as the detail. Without one, Swagger UI makes up
 * an example from the Problem schema (status 400 on every response, and an `additionalProp1`).
 */
export function withProblemExamples(document: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(document);
  const paths = (copy.paths ?? {}) as Record<string, Record<string, unknown>>;
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      const responses = (operation as { responses?: Record<string, unknown> }).responses ?? {};
      for (const [code, response] of Object.entries(responses)) {
        const { description, content } = response as {
          description?: string;
          content?: Record<string, { example?: unknown; examples?: unknown }>;
        };
        const media = content?.[PROBLEM_JSON];
        const status = Number(code);
        if (!media || media.example !== undefined || media.examples !== undefined) continue;
        if (!Number.isInteger(status)) continue;
        media.example = {
          type: 'about:blank',
          title: STATUS_CODES[status] ?? 'Error',
          status,
          ...(description ? { detail: description } : {}),
        };
      }
    }
  }
  return copy;
}

/**
 * The document with what the shell of every service (`createServiceApp`) may answer on any
 * operation: 414 for a query string over the limit, and, when API keys are required, 401 on
 * everything but the open routes (health and this document) and the security schemes that let
 * Swagger UI send a key.
 */
export function withShellResponses(
  document: Record<string, unknown>,
  { maxQueryBytes, apiKeysRequired }: { maxQueryBytes: number; apiKeysRequired: boolean },
): Record<string, unknown> {
  const copy = structuredClone(document) as Record<string, unknown> & {
    paths?: Record<
      string,
      Record<string, { responses?: Record<string, unknown>; security?: unknown }>
    >;
    components?: Record<string, unknown>;
  };
  for (const [path, operations] of Object.entries(copy.paths ?? {})) {
    const open = OPEN_PATHS.some((prefix) => path.startsWith(prefix));
    for (const operation of Object.values(operations)) {
      const responses = (operation.responses ??= {});
      responses['414'] ??= problemResponse(
        `The query string is longer than ${maxQueryBytes} bytes (MAX_QUERY_BYTES).`,
      );
      if (!apiKeysRequired) continue;
      if (open) {
        operation.security = [];
      } else {
        responses['401'] ??= problemResponse(
          'No API key, or not a valid one: send it as `Authorization: Bearer <key>` or `X-API-Key: <key>` (API_KEYS).',
        );
      }
    }
  }
  if (apiKeysRequired) {
    copy.components = {
      ...copy.components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'One of API_KEYS.' },
        apiKeyHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'One of API_KEYS.',
        },
      },
    };
    copy.security = [{ bearer: [] }, { apiKeyHeader: [] }];
  }
  return copy;
}

/** Routes the shell serves before it asks for an API key. */
const OPEN_PATHS = ['/health/', '/openapi.json'];

/** Serves `document` (as `withProblemExamples` completes it) at /openapi.json and /swagger/. */
export function apiDocsRouter(document: Record<string, unknown>): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.redirect(302, '/swagger/');
  });
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

/**
 * A route module's part of the OpenAPI document: the operations it serves and the schemas they
 * refer to (`#/components/schemas/<name>`). Each route module exports its own; `apiDocument` puts
 * them together.
 */
export interface ApiDocPart {
  paths: Record<string, Record<string, unknown>>;
  schemas?: Record<string, unknown>;
}

/**
 * The service's OpenAPI document from its route modules' parts, with the health, metrics and
 * document routes every service serves. Refuses (throws) an operation documented twice, two
 * different schemas under one name, and a `$ref` to a schema no part gave: a piece forgotten
 * when a route changes fails at start-up and in every test that builds the app.
 */
export function apiDocument({
  info,
  tags,
  parts,
}: {
  info: { title: string; version: string; description: string };
  tags: { name: string; description?: string }[];
  parts: ApiDocPart[];
}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = { ...sharedOpenApiComponents.schemas };
  const everyPart: ApiDocPart[] = [...parts, { paths: { ...healthPaths, ...operationalPaths } }];
  for (const part of everyPart) {
    for (const [path, operations] of Object.entries(part.paths)) {
      const merged = (paths[path] ??= {});
      for (const [method, operation] of Object.entries(operations)) {
        if (method in merged)
          throw new Error(`${method.toUpperCase()} ${path} is documented twice`);
        merged[method] = operation;
      }
    }
    for (const [name, schema] of Object.entries(part.schemas ?? {})) {
      if (name in schemas && !isDeepStrictEqual(schemas[name], schema)) {
        throw new Error(`Two different schemas are named ${name}`);
      }
      schemas[name] = schema;
    }
  }
  const document = { openapi: '3.0.3', info, tags, paths, components: { schemas } };
  const missing = [...schemaRefsIn(document)].filter((name) => !(name in schemas));
  if (missing.length > 0) {
    throw new Error(
      `The API document refers to schemas no route module gives: ${missing.join(', ')}`,
    );
  }
  return document;
}

const SCHEMA_REF = '#/components/schemas/';

/** The schema names every `$ref` in a value points at. */
function schemaRefsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) schemaRefsIn(item, found);
  } else if (value && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      if (key === '$ref' && typeof member === 'string' && member.startsWith(SCHEMA_REF)) {
        found.add(member.slice(SCHEMA_REF.length));
      } else {
        schemaRefsIn(member, found);
      }
    }
  }
  return found;
}

/** Where a record is, as both services' answers name it: its topic, partition and offset. */
export function recordPositionProperties(topic: string) {
  return {
    topic: { type: 'string', example: topic },
    partition: { type: 'integer', example: 0 },
    offset: { type: 'string', description: 'A 64-bit offset, as a decimal string.', example: '0' },
  } as const;
}

export function problemResponse(description: string): Record<string, unknown> {
  return {
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

/**
 * The document's description, followed by where else to look: the document itself, the metrics,
 * and the other service's Swagger UI.
 */
export function describeWithLinks(description: string, peer?: PeerService): string {
  const links = [
    '[/openapi.json](/openapi.json): this document',
    '[/metrics](/metrics): Prometheus metrics',
    '[/health/ready](/health/ready): readiness',
    ...(peer ? [`[${peer.name}](${peer.url}/swagger/): the other service of the pair`] : []),
  ];
  return `${description}\n\n**Also here:** ${links.join(' · ')}`;
}

/** Routes both services serve besides their API, documented so that Swagger UI lists them. */
export const operationalPaths = {
  '/openapi.json': {
    get: {
      tags: ['docs'],
      summary: 'This OpenAPI document',
      responses: { '200': { description: 'The OpenAPI 3 document, as JSON.' } },
    },
  },
  '/metrics': {
    get: {
      tags: ['health'],
      summary: 'Prometheus metrics',
      responses: {
        '200': {
          description: 'Metrics in the Prometheus text format.',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      },
    },
  },
} as const;

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
