// Below http/, service-a speaks of ProduceErrors; http/produce-problems.ts is the one place that
// turns them into statuses. Each failure's status and Retry-After, and the rule itself.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { problemOf } from '../../src/http/produce-problems';
import { ProduceError, type ProduceFailure } from '../../src/produce-error';

describe('problemOf', () => {
  it.each<[ProduceFailure, number, string | undefined]>([
    ['no-such-partition', 400, undefined],
    ['too-large', 413, undefined],
    ['not-connected', 503, '5'],
    ['unreachable', 503, '5'],
    ['timeout', 503, '5'],
    ['queue-full', 503, '1'],
    ['outbox-full', 503, '5'],
    ['stopping', 503, '1'],
    ['unavailable', 503, '5'],
  ])(
    '%s is %i (Retry-After %s), with the error sentence as its detail',
    (failure, status, retry) => {
      const problem = problemOf(new ProduceError(failure, `what happened: ${failure}`));
      expect(problem.status).toBe(status);
      expect(problem.detail).toBe(`what happened: ${failure}`);
      expect(problem.headers['Retry-After']).toBe(retry);
    },
  );
});

describe('the layers below http/', () => {
  const src = path.join(__dirname, '..', '..', 'src');
  it.each(['kafka', 'outbox', 'workers'])('%s/ builds no HTTP problems', (folder) => {
    const files = readdirSync(path.join(src, folder)).filter((f) => f.endsWith('.ts'));
    const speaksHttp = files.filter((file) =>
      /\bHttpProblem\b|\bproblems\.\w|from 'express'/.test(
        readFileSync(path.join(src, folder, file), 'utf8'),
      ),
    );
    expect(files.length).toBeGreaterThan(0);
    expect(speaksHttp).toEqual([]);
  });
});
