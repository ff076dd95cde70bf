// RFC 9457 problem details and the Express handlers that turn every error into one.
import express, { type Express, type RequestHandler } from 'express';
import request from 'supertest';
import {
  createLogger,
  HttpProblem,
  methodNotAllowed,
  notFoundHandler,
  problemHandler,
  problems,
} from '@kafka-http/common';

function appWith(route: (app: Express) => void): {
  app: Express;
  errors: unknown[];
  warnings: { obj: unknown; msg: string }[];
} {
  const logger = createLogger({ name: 'problem-test', level: 'silent' });
  const errors: unknown[] = [];
  const warnings: { obj: unknown; msg: string }[] = [];
  // Record what problemHandler logs without printing anything.
  jest.spyOn(logger, 'error').mockImplementation(((obj: unknown) => {
    errors.push(obj);
  }) as typeof logger.error);
  jest.spyOn(logger, 'warn').mockImplementation(((obj: unknown, msg: string) => {
    warnings.push({ obj, msg });
  }) as typeof logger.warn);
  const app = express();
  route(app);
  app.use(notFoundHandler());
  app.use(problemHandler(logger));
  return { app, errors, warnings };
}

function failWith(error: unknown): RequestHandler {
  return () => {
    throw error;
  };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('HttpProblem', () => {
  it('serialises the RFC 9457 members with extensions', () => {
    const problem = new HttpProblem({
      status: 409,
      title: 'Conflict',
      detail: 'Already there.',
      extensions: { id: 7 },
    });
    expect(problem.toJSON('/x')).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'Already there.',
      instance: '/x',
      id: 7,
    });
    expect(problem.message).toBe('Already there.');
    expect(new HttpProblem({ status: 400, title: 'Bad Request' }).toJSON()).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
    });
  });

  it('builds the common problems with their headers', () => {
    expect(problems.methodNotAllowed(['GET', 'HEAD']).headers).toEqual({ Allow: 'GET, HEAD' });
    expect(problems.serviceUnavailable('later', 3).headers).toEqual({ 'Retry-After': '3' });
    expect(problems.payloadTooLarge(10).extensions).toEqual({ limitBytes: 10 });
    expect(problems.notAcceptable(['a/b']).status).toBe(406);
    expect(problems.unsupportedMediaType('no').status).toBe(415);
    expect(problems.notFound('no').status).toBe(404);
  });
});

describe('problemHandler with body-parser errors', () => {
  function jsonApp() {
    return appWith((app) => {
      app.post('/echo', express.json({ limit: 10 }), (req, res) => {
        res.json(req.body);
      });
    });
  }

  it('answers entity.too.large with 413 and limitBytes', async () => {
    const res = await request(jsonApp().app)
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send('{"a":"more than ten bytes"}');
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toEqual({
      type: 'about:blank',
      title: 'Content Too Large',
      status: 413,
      detail: 'The request body is larger than the limit of 10 bytes.',
      instance: '/echo',
      limitBytes: 10,
    });
  });

  it('answers entity.parse.failed with 400', async () => {
    const res = await request(jsonApp().app)
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send('{"a":');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body).toEqual(
      expect.objectContaining({
        status: 400,
        title: 'Bad Request',
        detail: expect.stringMatching(/JSON/),
      }),
    );
    // body-parser's own message (with the parser's position details) is not passed on.
    expect(res.text).not.toMatch(/Unexpected|position/);
  });

  it('answers charset.unsupported with 415', async () => {
    const res = await request(jsonApp().app)
      .post('/echo')
      .set('Content-Type', 'application/json; charset=latin1')
      .send('{}');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toEqual(
      expect.objectContaining({ status: 415, title: 'Unsupported Media Type' }),
    );
  });

  it('does not log client errors as errors', async () => {
    const { app, errors } = jsonApp();
    await request(app).post('/echo').set('Content-Type', 'application/json').send('{');
    expect(errors).toHaveLength(0);
  });
});

describe('problemHandler with other errors', () => {
  it('answers an unknown error with 500 and no internals, and logs it', async () => {
    const secret = new Error('secret internals: password=hunter2');
    const { app, errors } = appWith((a) => a.get('/boom', failWith(secret)));
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: expect.any(String),
      instance: '/boom',
    });
    expect(res.text).not.toContain('secret');
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toMatch(/\.ts:\d+/);
    expect(errors).toEqual([expect.objectContaining({ err: secret })]);
  });

  it('answers a rejected async handler with 500 too', async () => {
    const { app } = appWith((a) =>
      a.get('/async', async () => {
        throw new Error('async secret');
      }),
    );
    const res = await request(app).get('/async');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('async secret');
  });

  it('answers a thrown non-Error value with 500', async () => {
    const { app } = appWith((a) => a.get('/string', failWith('just a string')));
    const res = await request(app).get('/string');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('just a string');
  });

  it('treats a framework 5xx like an unknown error', async () => {
    const error = Object.assign(new Error('stream.not.readable internals'), {
      status: 500,
      type: 'stream.not.readable',
    });
    const { app } = appWith((a) => a.get('/x', failWith(error)));
    const res = await request(app).get('/x');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('internals');
  });

  it('keeps the status of another framework 4xx without its message', async () => {
    const error = Object.assign(new Error('internal words'), { status: 422, type: 'whatever' });
    const { app } = appWith((a) => a.get('/x', failWith(error)));
    const res = await request(app).get('/x');
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toEqual(expect.objectContaining({ status: 422 }));
    expect(res.text).not.toContain('internal words');
  });

  // RFC 9457: with type about:blank the title should be the status's reason phrase. Serving
  // /swagger/swagger-ui.css with `Range: bytes=99999999-` yields 416 titled "Bad Request".
  it('titles another framework 4xx after its own status, not "Bad Request"', async () => {
    const error = Object.assign(new Error('Range Not Satisfiable'), {
      status: 416,
      statusCode: 416,
      expose: true,
    });
    const { app } = appWith((a) => a.get('/x', failWith(error)));
    const res = await request(app).get('/x');
    expect(res.status).toBe(416);
    expect(JSON.parse(res.text)).toEqual(
      expect.objectContaining({ status: 416, title: 'Range Not Satisfiable' }),
    );
  });

  it('sends an HttpProblem as it is, with its headers', async () => {
    const { app, errors, warnings } = appWith((a) =>
      a.get('/busy', failWith(problems.serviceUnavailable('Try later.', 7))),
    );
    const res = await request(app).get('/busy?x=1');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(JSON.parse(res.text)).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'Try later.',
      instance: '/busy?x=1',
    });
    // A deliberate 503 is not a fault: a warning without a stack, folded when it repeats.
    expect(errors).toHaveLength(0);
    expect(warnings).toEqual([
      {
        obj: { status: 503, method: 'GET', path: '/busy' },
        msg: 'answered 503: Try later.',
      },
    ]);
    await request(app).get('/busy').expect(503);
    await request(app).get('/busy').expect(503);
    expect(warnings).toHaveLength(1);
  });

  it('answers unknown paths with 404 and unsupported methods with 405 and Allow', async () => {
    const { app } = appWith((a) => {
      a.get('/only-get', (_req, res) => {
        res.send('ok');
      });
      a.all('/only-get', methodNotAllowed(['GET']));
    });
    const missing = await request(app).get('/missing');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toEqual(
      expect.objectContaining({
        title: 'Not Found',
        detail: 'There is no resource at GET /missing.',
      }),
    );
    const wrongMethod = await request(app).delete('/only-get');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
  });
});
