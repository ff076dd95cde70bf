// RFC 9457 problem details: the single error type of both services and the Express handlers that
// turn anything thrown into a problem+json response without leaking internals.
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from './logger';
import { RepeatFolder } from './repeat-folder';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemInit {
  status: number;
  title: string;
  detail?: string;
  /** A URI naming the kind of problem; defaults to "about:blank" as RFC 9457 says. */
  type?: string;
  /** Extra members of the problem object (RFC 9457 "extensions"). */
  extensions?: Record<string, unknown>;
  /** Response headers that belong with the problem, e.g. Retry-After or Allow. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly type: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title, { cause: init.cause });
    this.name = 'HttpProblem';
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.type = init.type ?? 'about:blank';
    this.extensions = init.extensions ?? {};
    this.headers = init.headers ?? {};
  }

  toJSON(instance?: string): Record<string, unknown> {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(instance === undefined ? {} : { instance }),
      ...this.extensions,
    };
  }
}

export const problems = {
  badRequest: (detail: string, extensions?: Record<string, unknown>) =>
    new HttpProblem({ status: 400, title: 'Bad Request', detail, extensions }),
  notFound: (detail: string) => new HttpProblem({ status: 404, title: 'Not Found', detail }),
  methodNotAllowed: (allow: readonly string[], hint?: string) =>
    new HttpProblem({
      status: 405,
      title: 'Method Not Allowed',
      detail: `This resource supports ${allow.join(', ')}.${hint ? ` ${hint}` : ''}`,
      headers: { Allow: allow.join(', ') },
    }),
  notAcceptable: (available: readonly string[]) =>
    new HttpProblem({
      status: 406,
      title: 'Not Acceptable',
      detail: `This resource can answer with ${available.join(' or ')}.`,
    }),
  payloadTooLarge: (limitBytes: number) =>
    new HttpProblem({
      status: 413,
      title: 'Content Too Large',
      detail: `The request body is larger than the limit of ${limitBytes} bytes.`,
      extensions: { limitBytes },
    }),
  unsupportedMediaType: (detail: string) =>
    new HttpProblem({ status: 415, title: 'Unsupported Media Type', detail }),
  serviceUnavailable: (detail: string, retryAfterSeconds: number) =>
    new HttpProblem({
      status: 503,
      title: 'Service Unavailable',
      detail,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    }),
};

export function sendProblem(res: Response, problem: HttpProblem): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.toJSON(res.req.originalUrl)));
}

/** body-parser and Express raise errors with `status` and `type`; give each its proper problem. */
function fromFrameworkError(error: unknown): HttpProblem | undefined {
  const e = error as { status?: number; statusCode?: number; type?: string; limit?: number };
  const status = e.status ?? e.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  switch (e.type) {
    case 'entity.too.large':
      return problems.payloadTooLarge(e.limit ?? 0);
    case 'entity.parse.failed':
      return problems.badRequest('The request body is not valid JSON.');
    case 'encoding.unsupported':
      return problems.unsupportedMediaType('The Content-Encoding of the request is not supported.');
    case 'charset.unsupported':
      return problems.unsupportedMediaType('The charset of the request body is not supported.');
    case 'request.aborted':
      return problems.badRequest('The client aborted the request before its body arrived.');
    case 'request.size.invalid':
      return problems.badRequest('The request body did not match its Content-Length.');
    default:
      // Any other 4xx from the framework: keep the status, say nothing internal.
      return new HttpProblem({ status, title: STATUS_CODES[status] ?? 'Client Error' });
  }
}

export function notFoundHandler(): RequestHandler {
  return (req, _res, next) => {
    next(problems.notFound(`There is no resource at ${req.method} ${req.path}.`));
  };
}

/**
 * Answers a method the route does not support with 405 and an Allow header; `hint` says where the
 * caller probably meant to go (a GET on the producer: the consumer's URL).
 */
export function methodNotAllowed(allow: readonly string[], hint?: string): RequestHandler {
  // Named, so that the API contract test can tell these routes from the API's own.
  return function refuseMethod(_req, _res, next) {
    next(problems.methodNotAllowed(allow, hint));
  };
}

/** The last middleware of each app: every error becomes problem+json; only 5xx are logged as errors. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  const unavailable = new RepeatFolder<Logger>(10_000, (level, extra, message, log) =>
    (log ?? logger)[level](extra, message),
  );
  return (error: unknown, req, res, next) => {
    const log = (res.locals.log as Logger | undefined) ?? logger;
    if (res.headersSent) {
      // Too late for a problem body: end the connection so the client sees a broken response.
      log.warn({ err: error, path: req.path }, 'error after the response started');
      next(error);
      return;
    }
    const problem =
      error instanceof HttpProblem
        ? error
        : (fromFrameworkError(error) ??
          new HttpProblem({
            status: 500,
            title: 'Internal Server Error',
            detail: 'The server failed to handle the request; the failure has been logged.',
            cause: error,
          }));
    if (problem.status === 500) {
      log.error({ err: problem.cause ?? error, method: req.method, path: req.path }, problem.title);
    } else if (problem.status > 500) {
      // A deliberate answer (Kafka away, a timeout), not a fault: one line without a stack trace,
      // and during an outage one line every few seconds with the count of the others.
      const cause = problem.cause instanceof Error ? problem.cause.message : undefined;
      unavailable.log(
        'warn',
        { status: problem.status, method: req.method, path: req.path, ...(cause ? { cause } : {}) },
        `answered ${problem.status}: ${problem.detail ?? problem.title}`,
        log,
      );
    }
    sendProblem(res, problem);
  };
}
