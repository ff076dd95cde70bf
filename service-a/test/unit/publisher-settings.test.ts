// service-a's promise that a 2xx means every in-sync replica has the message rests on two
// settings: an idempotent producer, and acks=all on every send. A stand-in for KafkaJS records
// what the publisher asks of it (no broker here; the real path is covered by the integration suite).
import type { Kafka } from 'kafkajs';
import { createLogger } from '@kafka-http/common';
import { KafkaMessagePublisher } from '../../src/kafka/message-publisher';
import { ProduceError } from '../../src/produce-error';

function standIn() {
  const producerOptions: Record<string, unknown>[] = [];
  const sends: { acks?: number; messages: unknown[] }[] = [];
  let fail: Error | undefined;
  const producer = {
    events: { DISCONNECT: 'producer.disconnect' },
    on: () => undefined,
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async (record: { acks?: number; messages: { partition?: number }[] }) => {
      sends.push(record);
      if (fail) throw fail;
      return [{ topicName: 't', partition: 0, errorCode: 0, baseOffset: '7' }];
    },
  };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => ['t'],
    fetchTopicMetadata: async () => ({
      topics: [{ name: 't', partitions: [{ partitionId: 0, leader: 1, replicas: [1], isr: [1] }] }],
    }),
    describeConfigs: async () => ({ resources: [] }),
  };
  const kafka = {
    producer: (options: Record<string, unknown>) => {
      producerOptions.push(options);
      return producer;
    },
    admin: () => admin,
  } as unknown as Kafka;
  return { kafka, producerOptions, sends, failWith: (error: Error) => (fail = error) };
}

function publisherOn(kafka: Kafka, lingerMs = 0) {
  return new KafkaMessagePublisher({
    kafka,
    topic: { topic: 't', partitions: 1, replicationFactor: 1 },
    produceTimeoutMs: 2000,
    tuning: { lingerMs, maxBatchRecords: 100, maxBatchBytes: 1 << 20, maxQueuedRecords: 1000 },
    logger: createLogger({ name: 'publisher-test', level: 'silent' }),
  });
}

describe('the publisher asks KafkaJS for', () => {
  it('an idempotent producer, one request in flight, no topic auto-creation', async () => {
    const { kafka, producerOptions } = standIn();
    const publisher = publisherOn(kafka);
    await publisher.start();
    expect(producerOptions).toEqual([
      expect.objectContaining({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      }),
    ]);
    await publisher.stop();
  });

  it('acks=all on every send: single, batch, coalesced and from the outbox', async () => {
    const { kafka, sends } = standIn();
    const publisher = publisherOn(kafka, 5);
    await publisher.start();
    const value = Buffer.from('x');
    await publisher.publish({ value, headers: {} });
    await publisher.publishMany([
      { value, headers: {} },
      { value, headers: {} },
    ]);
    await Promise.all([1, 2, 3].map(() => publisher.publish({ value, headers: {} })));
    await publisher.writeStored([
      { key: null, value, headers: {}, partition: 0, timestamp: Date.now() },
    ]);
    expect(sends.length).toBeGreaterThanOrEqual(4);
    expect(sends.map((send) => send.acks)).toEqual(sends.map(() => -1));
    await publisher.stop();
  });

  it('reports a refused send as a ProduceError, never an HTTP answer', async () => {
    const { kafka, failWith } = standIn();
    const publisher = publisherOn(kafka);
    await publisher.start();
    failWith(Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' }));
    const error = await publisher
      .publish({ value: Buffer.from('x'), headers: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProduceError);
    expect((error as ProduceError).failure).toBe('too-large');
    await publisher.stop();
  });
});
