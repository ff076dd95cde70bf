// Confluent-framed records through a real schema registry (Apicurio, started by the global setup)
// and the real broker. Apache Kafka's Java client writes framed Avro (two versions of one subject,
// side by side), Protobuf (a later message of its file) and JSON Schema values, and a framed Avro
// key; service-b must decode each on batch GET, single GET and the SSE stream, naming subject,
// version and id, and deliver an id the registry does not know raw with a warning. service-a
// writes framed values that decode to the same bytes a Confluent serializer writes. Apicurio's own
// Avro serializer and deserializer (Java, Confluent wire format) write what service-b reads and
// read what service-a writes.
import request from 'supertest';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { javaProduce, type ForeignRecord } from '@test-support/foreign/java-client';
import { serdeConsume, serdeProduce } from '@test-support/foreign/registry-serde';
import { createTopic, readAll, testBrokers, uniqueName } from '@test-support/kafka';
import { readBatches, readSingles, readStream, type Wire } from '@test-support/read-paths';
import { avroString, framed, registerSchema, testRegistryUrl } from '@test-support/registry';
import { READING_JSON_SCHEMA } from '@test-support/schema-fixtures';
import { startA, startB } from '@test-support/services';

const USER_V1 = {
  type: 'record',
  name: 'User',
  namespace: 'example',
  fields: [{ name: 'name', type: 'string' }],
};
const USER_V2 = {
  ...USER_V1,
  fields: [...USER_V1.fields, { name: 'age', type: 'int', default: 0 }],
};
const SHOP_PROTO = `syntax = "proto3";
package shop;
message Order { string id = 1; }
message Refund { string order_id = 1; int64 cents = 2; }
`;
const UNKNOWN_ID = 987_654;

describe('records in the schema registry wire format', () => {
  const topic = uniqueName('registry');
  const orders = `${topic}-orders`;
  const readings = `${topic}-readings`;
  const ids = { v1: 0, v2: 0, key: 0, proto: 0, json: 0 };
  let b: ServiceB;
  let a: ServiceA;

  beforeAll(async () => {
    await createTopic(topic, 1);
    ids.v1 = await registerSchema(`${topic}-value`, { schema: JSON.stringify(USER_V1) });
    ids.v2 = await registerSchema(`${topic}-value`, { schema: JSON.stringify(USER_V2) });
    ids.key = await registerSchema(`${topic}-key`, { schema: '"string"' });
    ids.proto = await registerSchema(orders, { schema: SHOP_PROTO, schemaType: 'PROTOBUF' });
    ids.json = await registerSchema(readings, {
      schema: JSON.stringify(READING_JSON_SCHEMA),
      schemaType: 'JSON',
    });
    const env = { KAFKA_TOPIC: topic, SCHEMA_REGISTRY_URL: testRegistryUrl() };
    [a, b] = await Promise.all([startA(env), startB({ ...env, KAFKA_GROUP_ID: uniqueName('g') })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  /** What the Java client writes: the bytes a Confluent serializer would, built by hand. */
  function javaRecords(): ForeignRecord[] {
    return [
      { key: framed(ids.key, avroString('user-1')), value: framed(ids.v1, avroString('Ada')) },
      // Version 2 beside version 1: "Bo", age 7 (zigzag 14).
      { key: Buffer.from('user-2'), value: framed(ids.v2, [...avroString('Bo'), 14]) },
      // Message indexes [1] (count 1, index 1, both zigzag 2): Refund; order_id "R1", cents 300.
      {
        key: null,
        value: framed(ids.proto, [2, 2, 0x0a, 2, 0x52, 0x31, 0x10, 0xac, 0x02]),
      },
      { key: null, value: framed(ids.json, Buffer.from('{"sensor":"t1","celsius":21.5}')) },
      { key: null, value: framed(UNKNOWN_ID, avroString('lost?')) },
      { key: null, value: Buffer.from('plain text after them') },
    ];
  }

  function expectDecoded(got: Wire[], offsets: string[]): void {
    const byOffset = new Map(got.map((m) => [m.offset, m]));
    const at = (i: number) => byOffset.get(offsets[i] as string);
    expect(at(0)).toMatchObject({
      key: 'user-1',
      keyRegistry: { id: ids.key, format: 'AVRO', subject: `${topic}-key`, version: 1 },
      value: { name: 'Ada' },
      valueSchema: 'example.User',
      valueRegistry: { id: ids.v1, format: 'AVRO', subject: `${topic}-value`, version: 1 },
    });
    expect(at(1)).toMatchObject({
      key: 'user-2',
      value: { name: 'Bo', age: 7 },
      valueRegistry: { id: ids.v2, subject: `${topic}-value`, version: 2 },
    });
    expect(at(2)).toMatchObject({
      value: { orderId: 'R1', cents: '300' },
      valueSchema: 'shop.Refund',
      valueRegistry: { id: ids.proto, format: 'PROTOBUF', subject: orders, version: 1 },
    });
    expect(at(3)).toMatchObject({
      value: { sensor: 't1', celsius: 21.5 },
      valueSchema: 'Reading',
      valueRegistry: { id: ids.json, format: 'JSON', subject: readings },
    });
    expect(at(4)).toMatchObject({
      value: framed(UNKNOWN_ID, avroString('lost?')).toString('base64'),
      encoding: 'base64',
      valueRegistry: { id: UNKNOWN_ID },
      warning: expect.stringContaining(`no schema ${UNKNOWN_ID}`),
    });
    expect(at(5)).toMatchObject({ value: 'plain text after them' });
    for (const message of got) expect(message).not.toHaveProperty('error');
  }

  it('decodes what the Java client wrote, on batch GET, single GET and the stream', async () => {
    for (const read of [
      (n: number) => readBatches(b, n),
      (n: number) => readSingles(b, n),
      (n: number) => readStream(b, n),
    ]) {
      const acks = await javaProduce({
        brokers: testBrokers(),
        topic,
        compression: 'lz4',
        records: javaRecords(),
      });
      const got = await read(acks.length);
      expect(got).toHaveLength(acks.length);
      expectDecoded(
        got,
        acks.map((ack) => String(ack.offset)),
      );
    }
    // Each schema was fetched once (a miss) and then read from the cache (hits); the unknown id is
    // an error.
    const metrics = (await request(b.url).get('/metrics')).text;
    const count = (outcome: string) =>
      Number(
        new RegExp(`schema_registry_lookups_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`).exec(
          metrics,
        )?.[1],
      );
    expect(count('miss')).toBe(5);
    expect(count('hit')).toBeGreaterThanOrEqual(3 * 5);
    expect(count('error')).toBeGreaterThanOrEqual(1);
  });

  it('service-a writes the bytes a Confluent serializer writes, and service-b reads them back', async () => {
    const post = (contentType: string, body: unknown) =>
      request(a.url)
        .post('/api/messages')
        .set('Content-Type', contentType)
        .send(JSON.stringify(body));
    const latest = await post(`application/vnd.schemaregistry+json; subject=${topic}-value`, {
      name: 'Cy',
      age: 3,
    });
    expect(latest.status).toBe(200);
    const pinned = await post(
      `application/vnd.schemaregistry+json; subject=${topic}-value; version=1`,
      { name: 'Di' },
    );
    expect(pinned.status).toBe(200);
    const refund = await post(
      `application/vnd.schemaregistry+json; subject=${orders}; message=shop.Refund`,
      { orderId: 'X', cents: '5' },
    );
    expect(refund.status).toBe(200);
    const reading = await post(`application/vnd.schemaregistry.v1+json; subject=${readings}`, {
      sensor: 't2',
    });
    expect(reading.status).toBe(200);

    const records = await readAll(topic, 18 + 4);
    const written = records.slice(-4).map((r) => r.value);
    expect(written).toEqual([
      framed(ids.v2, [...avroString('Cy'), 6]),
      framed(ids.v1, avroString('Di')),
      framed(ids.proto, [2, 2, 0x0a, 1, 0x58, 0x10, 5]),
      framed(ids.json, Buffer.from('{"sensor":"t2"}')),
    ]);
    const back = await readBatches(b, 4);
    expect(back.map((m) => m.value)).toEqual([
      { name: 'Cy', age: 3 },
      { name: 'Di' },
      { orderId: 'X', cents: '5' },
      { sensor: 't2' },
    ]);
    expect(back[1]).toMatchObject({ valueRegistry: { id: ids.v1, version: 1 } });
  });

  it('answers each mistake with its own problem, and produces nothing for it', async () => {
    const post = (contentType: string, body: string) =>
      request(a.url).post('/api/messages').set('Content-Type', contentType).send(body);
    const type = `application/vnd.schemaregistry+json; subject=${topic}-value`;
    const cases: [string, string, number, string][] = [
      [type, '{"name": 5, "nick": "x"}', 422, '/name'],
      [type, '{"name": ', 400, 'not valid JSON'],
      ['application/vnd.schemaregistry+json', '{"name":"x"}', 415, 'Name the subject'],
      [`application/vnd.schemaregistry+json; subject=${topic}-nothing`, '{}', 415, 'no'],
      [`${type}; version=99`, '{"name":"x"}', 415, 'no'],
      [`${type}; version=first`, '{"name":"x"}', 415, 'not a version'],
      [
        `application/vnd.schemaregistry+json; subject=${orders}; message=shop.Nope`,
        '{}',
        415,
        'shop.Nope',
      ],
      [
        `application/vnd.schemaregistry+json; subject=${readings}`,
        '{"celsius": "hot"}',
        422,
        '/sensor',
      ],
    ];
    for (const [contentType, body, status, mentions] of cases) {
      const res = await post(contentType, body);
      expect({ contentType, body, status: res.status }).toEqual({ contentType, body, status });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.stringify(res.body)).toContain(mentions);
    }
    const { messages } = (await request(b.url).get('/api/messages/batch?waitMs=300')).body as {
      messages: unknown[];
    };
    expect(messages).toEqual([]);
  });

  it('takes registry subjects in a batch, each message with its own result', async () => {
    const res = await request(a.url)
      .post('/api/messages/batch')
      .send({
        messages: [
          { value: { name: 'Eve', age: 5 }, subject: `${topic}-value` },
          { value: { name: 'Fay' }, subject: `${topic}-value`, version: 1 },
          { value: { orderId: 'B1' }, subject: orders, message: 'shop.Refund' },
          { value: { name: 6 }, subject: `${topic}-value` },
          { value: { name: 'x' }, subject: `${topic}-missing` },
          { value: 'plain' },
        ],
      });
    expect(res.status).toBe(207);
    const results = (res.body as { results: { error?: { status: number } }[] }).results;
    expect(results.map((r) => r.error?.status ?? 200)).toEqual([200, 200, 200, 422, 415, 200]);
    const got = await readBatches(b, 4);
    expect(got.map((m) => m.value)).toEqual([
      { name: 'Eve', age: 5 },
      { name: 'Fay' },
      { orderId: 'B1' }, // Protobuf's JSON mapping leaves out fields at their default
      'plain',
    ]);
    expect(got[1]).toMatchObject({ valueRegistry: { id: ids.v1, version: 1 } });
  });
});

describe("with Apicurio's Avro serializer and deserializer in Java", () => {
  const topic = uniqueName('registry-serde');
  let a: ServiceA;
  let b: ServiceB;
  let id = 0;

  beforeAll(async () => {
    await createTopic(topic, 1);
    id = await registerSchema(`${topic}-value`, { schema: JSON.stringify(USER_V2) });
    const env = { KAFKA_TOPIC: topic, SCHEMA_REGISTRY_URL: testRegistryUrl() };
    [a, b] = await Promise.all([startA(env), startB({ ...env, KAFKA_GROUP_ID: uniqueName('g') })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('service-b reads what the serializer wrote; the deserializer reads what service-a wrote', async () => {
    const shared = { brokers: testBrokers(), topic, registryUrl: testRegistryUrl() };
    const javaValues = [
      { name: 'Ann', age: 1 },
      { name: 'Ben', age: 2 },
    ];
    await serdeProduce({ ...shared, schema: USER_V2, values: javaValues });
    const read = await readBatches(b, 2);
    expect(read.map((m) => m.value)).toEqual(javaValues);
    expect(read[0]).toMatchObject({
      valueRegistry: { id, format: 'AVRO', subject: `${topic}-value`, version: 1 },
    });

    for (const value of [{ name: 'Cat', age: 3 }, { name: 'Dan' }]) {
      const res = await request(a.url)
        .post('/api/messages')
        .set('Content-Type', `application/vnd.schemaregistry+json; subject=${topic}-value`)
        .send(JSON.stringify(value));
      expect(res.status).toBe(200);
    }
    const consumed = await serdeConsume({ ...shared, count: 4 });
    expect(consumed.map((r) => r.value)).toEqual([
      ...javaValues,
      { name: 'Cat', age: 3 },
      { name: 'Dan', age: 0 },
    ]);
  });
});

describe('auto-registration (SCHEMA_REGISTRY_AUTO_REGISTER=true)', () => {
  const topic = uniqueName('registry-auto');
  let a: ServiceA;
  beforeAll(async () => {
    await createTopic(topic, 1);
    a = await startA({
      KAFKA_TOPIC: topic,
      SCHEMA_REGISTRY_URL: testRegistryUrl(),
      SCHEMA_REGISTRY_AUTO_REGISTER: 'true',
    });
  });
  afterAll(() => a?.stop());

  it("registers the repository's Avro schema under a subject that has none, and only then", async () => {
    const post = (params: string) =>
      request(a.url)
        .post('/api/messages')
        .set('Content-Type', `application/vnd.schemaregistry+json; subject=${topic}-value${params}`)
        .send('{"id": 1, "name": "Ada", "email": "ada@example.com"}');
    // Without a schema to register, an unknown subject stays a client mistake.
    expect((await post('')).status).toBe(415);
    expect((await post('; schema=example.Nope')).status).toBe(415);
    const first = await post('; schema=example.User');
    expect(first.status).toBe(200);
    const registered = (await (
      await fetch(`${testRegistryUrl()}/subjects/${topic}-value/versions/latest`)
    ).json()) as { id: number; version: number; schema: string };
    expect(registered.version).toBe(1);
    expect(JSON.parse(registered.schema)).toMatchObject({ name: 'User', namespace: 'example' });
    const [record] = await readAll(topic, 1);
    expect(record?.value?.readUInt32BE(1)).toBe(registered.id);
  });
});
