// HTTP hardening both services share: API keys, security headers, CORS (off unless configured)
// and a limit on the query string. Health endpoints stay open so probes need no secret.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpProblem } from './problem';
import type { Logger } from './logger';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

/** Compares fixed-length digests, so neither the key nor its length leaks through timing. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * When keys are configured, every request needs one, as `Authorization: Bearer <key>` or
 * `X-API-Key: <key>`; otherwise 401 problem+json. No keys configured: everything is open.
 */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  const accepted = keys.map(digest);
  return (req, res, next) => {
    if (accepted.length === 0) {
      next();
      return;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const presented = bearer ?? req.get('x-api-key');
    const candidate = presented === undefined ? undefined : digest(presented);
    if (candidate && accepted.some((key) => timingSafeEqual(key, candidate))) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer');
    next(
      new HttpProblem({
        status: 401,
        title: 'Unauthorized',
        detail: presented
          ? 'The API key is not valid.'
          : 'An API key is required: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
      }),
    );
  };
}

/** Warns at start-up when the service listens beyond loopback without API keys. */
export function warnIfExposed(host: string, keys: readonly string[], logger: Logger): void {
  if (keys.length === 0 && !LOOPBACK_HOSTS.has(host)) {
    logger.warn(
      { host },
      'listening beyond loopback without API keys: anyone who can reach this port can use the API (set API_KEYS)',
    );
  }
}

/** Headers that cost nothing and close common browser-side holes. Swagger UI keeps its scripts. */
export function securityHeaders(): RequestHandler {
  return (req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (!req.path.startsWith('/swagger')) {
      res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    }
    next();
  };
}

/**
 * CORS for the configured origins only (`*` for any); without origins no CORS header is sent and
 * browsers keep other sites out. Preflight requests are answered here.
 */
export function cors(origins: readonly string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origins.length === 0 || !origin || !(any || allowed.has(origin))) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader(
      'Access-Control-Expose-Headers',
      'Location, Retry-After, Idempotent-Replayed, X-Request-Id, traceparent, Kafka-Topic, Kafka-Partition, Kafka-Offset, Kafka-Key, Kafka-Key-Encoding, Kafka-Key-Omitted, Kafka-Timestamp, Kafka-Value, Kafka-Value-Bytes, Kafka-Receipt, Kafka-Visible-Until',
    );
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      res.setHeader(
        'Access-Control-Allow-Headers',
        req.get('access-control-request-headers') ?? 'Content-Type, Authorization',
      );
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

/** 414 for a query string longer than `maxBytes`. */
export function limitQuery(maxBytes: number): RequestHandler {
  return (req, _res, next) => {
    const query = req.originalUrl.indexOf('?');
    const length = query < 0 ? 0 : Buffer.byteLength(req.originalUrl.slice(query + 1));
    next(
      length > maxBytes
        ? new HttpProblem({
            status: 414,
            title: 'URI Too Long',
            detail: `The query string is ${length} bytes; the limit is ${maxBytes}.`,
          })
        : undefined,
    );
  };
}
