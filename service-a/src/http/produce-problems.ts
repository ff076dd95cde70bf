// ProduceErrors as problem+json: which failure is the client's (4xx), which is Kafka's or the
// outbox's (503, with how long to wait before trying again).
import type { ErrorRequestHandler } from 'express';
import { HttpProblem, problems } from '@kafka-http/common';
import { ProduceError, type ProduceFailure } from '../produce-error';

/** Seconds a client should wait before it tries again, per failure that is not its own. */
const RETRY_AFTER_SECONDS: Record<
  Exclude<ProduceFailure, 'no-such-partition' | 'too-large'>,
  number
> = {
  'not-connected': 5,
  unreachable: 5,
  timeout: 5,
  'queue-full': 1,
  'outbox-full': 5,
  stopping: 1,
  unavailable: 5,
};

export function problemOf(error: ProduceError): HttpProblem {
  switch (error.failure) {
    case 'no-such-partition':
      return problems.badRequest(error.message);
    case 'too-large':
      return new HttpProblem({
        status: 413,
        title: 'Content Too Large',
        detail: error.message,
        cause: error.cause,
      });
    default:
      return problems.serviceUnavailable(error.message, RETRY_AFTER_SECONDS[error.failure]);
  }
}

/** Mounted after the routes: a ProduceError thrown by a handler goes on as its problem. */
export function produceProblems(): ErrorRequestHandler {
  return (error: unknown, _req, _res, next) => {
    next(error instanceof ProduceError ? problemOf(error) : error);
  };
}
