// Runs service-a and service-b in-process against the test broker, on free ports, with their own
// topic and group, and quiet logs (LOG_LEVEL=debug TEST_LOGS=1 shows them).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@kafka-http/common';
import { loadConfig as loadConfigA } from '../../service-a/src/config';
import { startServiceA, type ServiceA } from '../../service-a/src/service';
import { loadConfig as loadConfigB } from '../../service-b/src/config';
import { startServiceB, type ServiceB } from '../../service-b/src/service';
import { testBrokers } from './kafka';
import { waitFor } from './wait';

const logLevel = process.env.TEST_LOGS ? (process.env.LOG_LEVEL ?? 'info') : 'silent';

export async function startA(
  env: Record<string, string>,
  { waitUntilReady = true } = {},
): Promise<ServiceA> {
  const config = loadConfigA({
    KAFKA_BROKERS: testBrokers(),
    PORT: '0',
    LOG_LEVEL: logLevel,
    // Each instance its own outbox folder, as in production (a shared one is refused).
    OUTBOX_DIR: mkdtempSync(path.join(os.tmpdir(), 'outbox-')),
    ...env,
  });
  const service = await startServiceA(
    config,
    createLogger({ name: 'service-a', level: config.LOG_LEVEL }),
  );
  if (waitUntilReady) await waitFor('service-a connected', () => service.publisher.isReady());
  return service;
}

export async function startB(
  env: Record<string, string>,
  { waitUntilReady = true } = {},
): Promise<ServiceB> {
  const config = loadConfigB({
    KAFKA_BROKERS: testBrokers(),
    PORT: '0',
    LOG_LEVEL: logLevel,
    ...env,
  });
  const service = await startServiceB(
    config,
    createLogger({ name: 'service-b', level: config.LOG_LEVEL }),
    {
      onFatal: (error) => {
        throw error;
      },
    },
  );
  if (waitUntilReady) await waitFor('service-b joined its group', () => service.source.isReady());
  return service;
}

interface Stoppable {
  stop(): Promise<void>;
}

/**
 * The services of one test file (or describe block), stopped for it: after each test (`'each'`,
 * the default) or once after all of them (`'all'`), the last started first.
 */
export function serviceFixture(scope: 'each' | 'all' = 'each') {
  const started: Stoppable[] = [];
  const stopAll = async () => {
    for (const service of started.splice(0).reverse()) await service.stop();
  };
  if (scope === 'each') afterEach(stopAll);
  else afterAll(stopAll);
  const track = <T extends Stoppable>(service: T): T => {
    started.push(service);
    return service;
  };
  return {
    a: async (env: Record<string, string>, options?: { waitUntilReady?: boolean }) =>
      track(await startA(env, options)),
    b: async (env: Record<string, string>, options?: { waitUntilReady?: boolean }) =>
      track(await startB(env, options)),
    /** Anything else to stop with them (a service started another way, a client). */
    track,
  };
}
