// One JSON Schema per route's query string: it validates requests (Ajv) and, unchanged, becomes
// the route's parameter list in the OpenAPI document, so the docs cannot drift from the checks.
import Ajv, { type ErrorObject } from 'ajv';
import type { RequestHandler } from 'express';
import { problems } from './problem';

export interface QueryProperty {
  type: 'integer' | 'string' | 'boolean';
  description: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: number | string | boolean;
  example?: number | string | boolean;
}

export interface QuerySchema {
  type: 'object';
  properties: Record<string, QueryProperty>;
  required?: string[];
}

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false });
// Bodies are JSON already: no coercion, so "1" is not taken for 1.
const bodyAjv = new Ajv({ useDefaults: true, allErrors: true, strict: false });

/**
 * Validates and coerces `req.query`; the typed result is in `res.locals.query`. A parameter the
 * route does not take is a 400 naming it (a misspelt `waitms` would otherwise be ignored).
 */
export function validateQuery(schema: QuerySchema): RequestHandler {
  const validate = ajv.compile(schema);
  const known = Object.keys(schema.properties);
  const byLowerCase = new Map(known.map((name) => [name.toLowerCase(), name]));
  return (req, res, next) => {
    const query: Record<string, unknown> = {};
    const unknown: { name: string; reason: string }[] = [];
    for (const [name, value] of Object.entries(req.query)) {
      // A repeated parameter (?a=1&a=2) is ambiguous: keep it as an array so the schema rejects it.
      if (Object.hasOwn(schema.properties, name)) query[name] = value;
      else unknown.push({ name, reason: unknownReason(name, known, byLowerCase) });
    }
    if (unknown.length > 0) {
      next(
        problems.badRequest(
          `Unknown query ${unknown.length === 1 ? 'parameter' : 'parameters'}: ${unknown.map((u) => u.name).join(', ')}. ${knownList(known)}`,
          { errors: unknown },
        ),
      );
      return;
    }
    if (!validate(query)) {
      next(
        problems.badRequest('The query string is not valid.', {
          errors: (validate.errors ?? []).map(describeError),
        }),
      );
      return;
    }
    res.locals.query = query;
    next();
  };
}

function knownList(known: string[]): string {
  return known.length === 0 ? 'This route takes none.' : `This route takes ${known.join(', ')}.`;
}

function unknownReason(name: string, known: string[], byLowerCase: Map<string, string>): string {
  const meant = byLowerCase.get(name.toLowerCase());
  if (meant)
    return `is not a parameter of this route; names are case-sensitive: did you mean ${meant}?`;
  return `is not a parameter of this route (${known.length === 0 ? 'it takes none' : `it takes ${known.join(', ')}`})`;
}

function describeError(error: ErrorObject): { name: string; reason: string } {
  const name = error.instancePath.replace(/^\//, '') || String(error.params.missingProperty ?? '');
  return { name, reason: error.message ?? 'is not valid' };
}

export function openApiQueryParameters(schema: QuerySchema): Record<string, unknown>[] {
  return Object.entries(schema.properties).map(([name, { description, example, ...rest }]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    description,
    ...(example === undefined ? {} : { example }),
    schema: rest,
  }));
}

/**
 * Validates a JSON request body against a JSON Schema (the same object goes into the OpenAPI
 * document). Answers 415 for a body that is not application/json and 400 listing each problem.
 */
export function validateJsonBody(schema: Record<string, unknown>): RequestHandler {
  const validate = bodyAjv.compile(schema);
  return (req, _res, next) => {
    if (!req.is('application/json')) {
      next(problems.unsupportedMediaType('Send the body as application/json.'));
      return;
    }
    if (!validate(req.body)) {
      next(
        problems.badRequest('The request body is not valid.', {
          errors: (validate.errors ?? []).map((error) => ({
            name: error.instancePath.replace(/^\//, '') || '(body)',
            reason: error.message ?? 'is not valid',
          })),
        }),
      );
      return;
    }
    next();
  };
}
