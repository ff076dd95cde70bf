// The Postman collection in postman/ runs green with newman against both services on a real broker,
// so the tutorial people import into Postman is known to work.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { uniqueName } from '@test-support/kafka';
import { testRegistryUrl } from '@test-support/registry';
import { startA, startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

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

  it('passes every request and assertion with newman, after the README walk-through', async () => {
    // What the README's tutorial leaves behind: a message read, and more waiting, some of them
    // already buffered by service-b. The collection's first folder skips them.
    for (const text of ['Hello, Kafka!', 'left over 1', 'left over 2', 'left over 3']) {
      await request(a.url).post('/api/messages').type('text/plain').send(text).expect(200);
    }
    await request(b.url).get('/api/messages?waitMs=5000').expect(200);
    await waitFor('the left-over messages buffered', () => b.buffer.stats().buffered === 3);

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
