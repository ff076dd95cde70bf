// Fault 2: SIGKILL the Kafka broker and restart it while service-a produces and service-b
// consumes. No message service-a acknowledged is lost, and both services recover by themselves.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startLocalKafka, type LocalKafka } from '@kafka-http/local-kafka';
import type { ServiceA } from '../../../../service-a/src/service';
import type { ServiceB } from '../../../src/service';
import { uniqueName } from '@test-support/kafka';
import { DeliveryLedger, fetchBatch } from '@test-support/ledger';
import { startA, startB } from '@test-support/services';
import { waitFor } from '@test-support/wait';

const TOTAL = 400;

describe('fault: the broker is SIGKILLed and restarted', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-restart-'));
  let broker: LocalKafka | undefined;
  let a: ServiceA | undefined;
  let b: ServiceB | undefined;
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged message, and both services recover without a restart', async () => {
    broker = await startLocalKafka({ dataDir });
    const topic = uniqueName('restart');
    const env = { KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC: topic };
    a = await startA({ ...env, PRODUCE_TIMEOUT_MS: '3000' });
    b = await startB({
      ...env,
      KAFKA_GROUP_ID: uniqueName('restart-group'),
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
    const ledger = new DeliveryLedger();
    let refusedDuringOutage = 0;
    let producing = true;
    let finished = false;

    // Producer: each message is retried until service-a acknowledges it; only then is it expected.
    const produce = (async () => {
      for (let i = 0; i < TOTAL && !finished; i++) {
        const value = `p-${i}`;
        while (!finished) {
          const res = await fetch(`${a?.url}/api/messages`, {
            method: 'POST',
            headers: { 'Content-Type': 'text/plain' },
            body: value,
          });
          if (res.status === 200) break;
          expect(res.status).toBe(503);
          refusedDuringOutage++;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        ledger.expect(value);
      }
      producing = false;
    })();
    // Consumer: two clients pulling batches all along.
    const consume = Promise.all(
      [0, 1].map(async () => {
        while (!finished && (producing || !ledger.allDelivered())) {
          const messages = (await fetchBatch(b?.url ?? '', { max: 20 })) ?? [];
          for (const m of messages) ledger.deliver(String(m.value), m.partition, Number(m.offset));
        }
      }),
    );

    await waitFor('a third delivered', () => ledger.distinctDelivered >= TOTAL / 3, {
      timeoutMs: 60_000,
    });
    await broker.kill();
    await waitFor('service-a refusing', () => refusedDuringOutage > 0, { timeoutMs: 30_000 });
    broker = await startLocalKafka({ dataDir });

    await ledger.settle(
      'fault 2, broker SIGKILL and restart',
      Promise.race([
        Promise.all([produce, consume]),
        waitFor('every acknowledged message delivered', () => !producing && ledger.allDelivered(), {
          timeoutMs: 120_000,
        }),
      ]),
    );
    finished = true;
    ledger.report(
      'fault 2, broker SIGKILL and restart',
      `503s during the outage: ${refusedDuringOutage}`,
    );
    expect(ledger.lost()).toEqual([]);
    expect(a.publisher.isReady()).toBe(true);
    await waitFor('service-b ready again', () => b?.source.isReady());
  });
});
