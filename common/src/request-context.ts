// A request id on every request (taken from X-Request-Id when the caller sent a sane one), a
// logger bound to it, and one log line when the request ends.
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Request } from 'express';
import type { Logger } from './logger';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The logger of this request (bound to its id), or the fallback outside a request. */
export function requestLogger(req: Request, fallback: Logger): Logger {
  return (req.res?.locals.log as Logger | undefined) ?? fallback;
}

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    res.setHeader('X-Request-Id', requestId);
    const log = logger.child({ requestId });
    res.locals.requestId = requestId;
    res.locals.log = log;
    res.once('close', () => {
      log.debug(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          finished: res.writableFinished,
        },
        'request done',
      );
    });
    next();
  };
}
