// The schema registry dies while records keep coming: schemas already fetched keep decoding, a
// record whose schema cannot be fetched is delivered raw with a warning (never dropped, never
// holding its partition), and service-a answers 503 for a subject it cannot look up. The registry
// is this test's own (a real Apicurio, killed with SIGKILL), not the suite's shared one.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startLocalRegistry, type LocalRegistry } from '@kafka-http/local-kafka';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { javaProduce } from '@test-support/foreign/java-client';
import { createTopic, testBrokers, uniqueName } from '@test-support/kafka';
import { readBatches } from '@test-support/read-paths';
import { avroString, framed, registerSchema } from '@test-support/registry';
import { startA, startB } from '@test-support/services';

const USER = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'example',
  fields: [{ name: 'name', type: 'string' }],
});

describe('a schema registry that dies', () => {
  const topic = uniqueName('registry-outage');
  let registry: LocalRegistry;
  let a: ServiceA;
  let b: ServiceB;
  let known = 0;
  let neverFetched = 0;

  beforeAll(async () => {
    registry = await startLocalRegistry({
      logDir: mkdtempSync(path.join(os.tmpdir(), 'registry-outage-')),
    });
    await createTopic(topic, 1);
    known = await registerSchema(`${topic}-value`, { schema: USER }, registry.url);
    neverFetched = await registerSchema(`${topic}-other`, { schema: '"string"' }, registry.url);
    const env = {
      KAFKA_TOPIC: topic,
      SCHEMA_REGISTRY_URL: registry.url,
      SCHEMA_REGISTRY_TIMEOUT_MS: '500',
    };
    [a, b] = await Promise.all([startA(env), startB({ ...env, KAFKA_GROUP_ID: uniqueName('g') })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), registry?.stop()]);
  });

  it('keeps delivering: known schemas decoded, the rest raw with a warning, nothing held back', async () => {
    const produce = (values: Buffer[]) =>
      javaProduce({
        brokers: testBrokers(),
        topic,
        compression: 'none',
        records: values.map((value) => ({ key: null, value })),
      });
    await produce([framed(known, avroString('Ada'))]);
    const [first] = await readBatches(b, 1);
    expect(first).toMatchObject({ value: { name: 'Ada' }, valueRegistry: { id: known } });
    const cached = await request(a.url)
      .post('/api/messages')
      .set('Content-Type', `application/vnd.schemaregistry+json; subject=${topic}-value`)
      .send('{"name":"Bo"}');
    expect(cached.status).toBe(200);

    await registry.kill();

    await produce([
      framed(known, avroString('Cy')),
      framed(neverFetched, avroString('x')),
      Buffer.from('plain text'),
      framed(known, avroString('Di')),
    ]);
    const got = await readBatches(b, 5);
    expect(got.map((m) => m.value)).toEqual([
      { name: 'Bo' },
      { name: 'Cy' },
      framed(neverFetched, avroString('x')).toString('base64'),
      'plain text',
      { name: 'Di' },
    ]);
    expect(got[2]).toMatchObject({
      encoding: 'base64',
      valueRegistry: { id: neverFetched },
      warning: expect.stringContaining('unreachable'),
    });

    // service-a: a subject it read before is still served from its cache; one it never read
    // cannot be checked, so nothing is produced and the client is told to retry.
    const stillKnown = await request(a.url)
      .post('/api/messages')
      .set('Content-Type', `application/vnd.schemaregistry+json; subject=${topic}-value`)
      .send('{"name":"Ed"}');
    expect(stillKnown.status).toBe(200);
    const unknown = await request(a.url)
      .post('/api/messages')
      .set('Content-Type', `application/vnd.schemaregistry+json; subject=${topic}-other`)
      .send('"y"');
    expect(unknown.status).toBe(503);
    expect(unknown.headers['retry-after']).toBeDefined();
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    const [last] = await readBatches(b, 1);
    expect(last).toMatchObject({ value: { name: 'Ed' } });
  });
});
