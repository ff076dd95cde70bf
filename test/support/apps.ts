// Both Express apps in memory, for unit tests through supertest: service-a with a FakePublisher,
// service-b with a DeliveryBuffer the test fills. Each takes the app's own dependencies to
// override; the rest are small, quiet defaults.
import { createLogger } from '@kafka-http/common';
import { createApp as createServiceA, type AppDeps as ServiceADeps } from '../../service-a/src/app';
import { createApp as createServiceB, type AppDeps as ServiceBDeps } from '../../service-b/src/app';
import { AckRegistry } from '../../service-b/src/delivery/ack-registry';
import { DeliveryBuffer } from '../../service-b/src/delivery/delivery-buffer';
import type { ConsumeLimits } from '../../service-b/src/http/messages-route';
import { FakePublisher } from './fake-publisher';

export const TEST_TOPIC = 'message-topic';
export const TEST_GROUP = 'message-group';

export const quietLogger = (name: string) => createLogger({ name, level: 'silent' });

/** service-b's limits in unit tests: no wait, large values allowed. */
export const TEST_CONSUME_LIMITS: ConsumeLimits = {
  defaultWaitMs: 0,
  defaultVisibilityMs: 30_000,
  batchMaxMessages: 500,
  maxValueBytes: 1024 * 1024,
};

export function serviceAApp(deps: Partial<ServiceADeps> & { publisher?: FakePublisher } = {}) {
  const publisher = deps.publisher ?? new FakePublisher();
  const app = createServiceA({
    maxMessageBytes: 1024 * 1024,
    logger: quietLogger('service-a-test'),
    ...deps,
    publisher,
  });
  return { app, publisher };
}

export function serviceBApp(deps: Partial<ServiceBDeps> = {}) {
  const buffer = deps.buffer ?? new DeliveryBuffer({ maxMessages: 100, maxBytes: 1_000_000 });
  const acks = deps.acks ?? new AckRegistry('b-test');
  const app = createServiceB({
    readiness: () => ({ ready: true, details: {} }),
    topic: TEST_TOPIC,
    groupId: TEST_GROUP,
    limits: TEST_CONSUME_LIMITS,
    logger: quietLogger('service-b-test'),
    ...deps,
    buffer,
    acks,
  });
  return { app, buffer, acks };
}
