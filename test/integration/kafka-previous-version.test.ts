// The older Kafka line (KAFKA_PREVIOUS_VERSION, 3.9.x) from the local-kafka tool: a KRaft broker of
// its own on free ports, a plain KafkaJS round trip through it, the two services passing a message
// through it, and the interop suites (records from the Java client and kcat with every codec, a
// Java consumer sharing service-b's group) run against it as they run against the suite's broker.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import request from 'supertest';
import { KAFKA_PREVIOUS_VERSION, startLocalKafka, type LocalKafka } from '@kafka-http/local-kafka';
import type { ServiceA } from '../../service-a/src/service';
import type { ServiceB } from '../../service-b/src/service';
import { uniqueName } from '@test-support/kafka';
import { startA, startB } from '@test-support/services';
import { foreignProducerSuite } from '@test-support/suites/foreign-producers';
import { mixedConsumerGroupSuite } from '@test-support/suites/mixed-consumer-group';

describe(`Kafka ${KAFKA_PREVIOUS_VERSION}`, () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-previous-'));
  let broker: LocalKafka | undefined;
  const started: (ServiceA | ServiceB)[] = [];
  const suiteBroker = {
    brokers: process.env.KAFKA_TEST_BROKERS,
    dataDir: process.env.KAFKA_TEST_DATA_DIR,
  };
  beforeAll(async () => {
    broker = await startLocalKafka({ dataDir, version: KAFKA_PREVIOUS_VERSION, heapMb: 384 });
    // The shared suites below find their broker here.
    process.env.KAFKA_TEST_BROKERS = broker.brokers;
    process.env.KAFKA_TEST_DATA_DIR = dataDir;
  });
  afterAll(async () => {
    process.env.KAFKA_TEST_BROKERS = suiteBroker.brokers;
    process.env.KAFKA_TEST_DATA_DIR = suiteBroker.dataDir;
    await Promise.all(started.map((service) => service.stop()));
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is the version asked for, logging through log4j 1 into server.log', () => {
    expect(broker?.version).toBe(KAFKA_PREVIOUS_VERSION);
    const log = readFileSync(broker?.logFile ?? '', 'utf8');
    expect(log).toContain(`Kafka version: ${KAFKA_PREVIOUS_VERSION}`);
    expect(log).toMatch(/\[KafkaRaftServer nodeId=1\] Kafka Server started/);
  });

  it('round-trips a record with plain KafkaJS', async () => {
    const kafka = new Kafka({
      brokers: [broker?.brokers ?? ''],
      clientId: 'previous-version-test',
      logLevel: logLevel.NOTHING,
    });
    const topic = uniqueName('previous');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const [sent] = await producer.send({ topic, messages: [{ key: 'k', value: 'from 3.9' }] });
    await producer.disconnect();
    expect(sent?.errorCode).toBe(0);

    const consumer = kafka.consumer({ groupId: uniqueName('previous-group') });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received = await new Promise<{ key: string; value: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no record within 30 s')), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve({ key: String(message.key), value: String(message.value) });
          },
        });
      });
      expect(received).toEqual({ key: 'k', value: 'from 3.9' });
    } finally {
      await consumer.disconnect();
    }
  });

  it('carries a message from service-a to service-b', async () => {
    const brokers = broker?.brokers ?? '';
    const topic = uniqueName('previous-services');
    const a = await startA({ KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic });
    started.push(a);
    const b = await startB({
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC: topic,
      KAFKA_GROUP_ID: uniqueName('previous-services-group'),
    });
    started.push(b);
    await request(a.url).post('/api/messages').type('text/plain').send('via 3.9').expect(200);
    const got = await request(b.url).get('/api/messages?waitMs=10000').expect(200);
    expect(got.body.value).toBe('via 3.9');
  });

  foreignProducerSuite(`on Kafka ${KAFKA_PREVIOUS_VERSION}`);
  mixedConsumerGroupSuite(`on Kafka ${KAFKA_PREVIOUS_VERSION}`);
});
