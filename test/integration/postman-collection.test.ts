// The Postman collection in postman/ runs green with newman against both services on a real broker,
// so the tutorial people import into Postman is known to work.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { uniqueName } from '../support/kafka';
import { testRegistryUrl } from '../support/registry';
import { startA, startB } from '../support/services';

interface NewmanSummary {
  run: {
    failures: { error: { message: string }; source?: { name?: string } }[];
    stats: { assertions: { total: number; failed: number }; requests: { total: number } };
  };
}
// newman ships no type declarations; this is the part of its API the test uses.
const newman = require('newman') as {
  run(
    options: Record<string, unknown>,
    callback: (error: Error | null, summary: NewmanSummary) => void,
  ): void;
};

describe('the Postman collection', () => {
  const topic = uniqueName('postman');
  let a: ServiceA;
  let b: ServiceB;
  beforeAll(async () => {
    const registry = { SCHEMA_REGISTRY_URL: testRegistryUrl() };
    a = await startA({ KAFKA_TOPIC: topic, ...registry });
    b = await startB({
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: uniqueName('postman-group'),
      ...registry,
    });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('passes every request and assertion with newman', async () => {
    const postman = path.join(__dirname, '..', '..', 'postman');
    // The collection names the topic in a collection variable; this run uses its own topic.
    const collection = JSON.parse(
      readFileSync(path.join(postman, 'kafka-http-tutorial.postman_collection.json'), 'utf8'),
    ) as { variable: { key: string; value: string }[] };
    const topicVariable = collection.variable.find((v) => v.key === 'topic');
    if (!topicVariable) throw new Error('the collection has no topic variable');
    topicVariable.value = topic;
    const summary = await new Promise<NewmanSummary>((resolve, reject) => {
      newman.run(
        {
          collection,
          environment: path.join(postman, 'local.postman_environment.json'),
          envVar: [
            { key: 'serviceAUrl', value: a.url },
            { key: 'serviceBUrl', value: b.url },
            { key: 'registryUrl', value: testRegistryUrl() },
          ],
          reporters: [],
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
    const failures = summary.run.failures.map((f) => `${f.source?.name}: ${f.error.message}`);
    expect(failures).toEqual([]);
    expect(summary.run.stats.requests.total).toBeGreaterThanOrEqual(15);
    expect(summary.run.stats.assertions.total).toBeGreaterThan(20);
  });
});
