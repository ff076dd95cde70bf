// The PostgreSQL outbox (OUTBOX_URL) on the machine's real PostgreSQL and the test broker: the
// store itself (durable rows, one drainer at a time, the lock passing on when its holder goes), and
// three service-a replicas sharing one table, two of them SIGKILLed while they hold messages or
// the drain lock: every message any of them accepted is still sent.
import pg from 'pg';
import { PostgresOutbox } from '../../service-a/src/outbox/postgres-outbox';
import { spawnService, type ChildService } from '@test-support/child-service';
import { testBrokers, uniqueName } from '@test-support/kafka';
import { DeliveryLedger } from '@test-support/ledger';
import { readIntoLedger } from '@test-support/topic-reader';
import { waitFor } from '@test-support/wait';

const URL = process.env.OUTBOX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const tableName = () =>
  uniqueName('outbox')
    .replace(/[^a-z0-9_]/g, '_')
    .toLowerCase();

async function dropTable(table: string) {
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.end();
}

const message = (value: string) => ({
  key: Buffer.from('k'),
  value: Buffer.from(value),
  headers: { h: 'v' },
  partition: null,
  timestamp: Date.now(),
});

describe('the PostgreSQL outbox', () => {
  const tables: string[] = [];
  const children: ChildService[] = [];
  let available = false;
  beforeAll(async () => {
    available = await postgresAnswers();
    // CI has PostgreSQL; elsewhere these tests need one at OUTBOX_TEST_POSTGRES_URL.
    if (!available && process.env.CI) throw new Error(`no PostgreSQL answers at ${URL}`);
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    if (available) for (const table of tables) await dropTable(table);
  });

  it('stores, hands out oldest first, removes, and lets one holder of the lock drain', async () => {
    if (!available) return console.warn(`skipped: no PostgreSQL at ${URL}`);
    const table = tableName();
    tables.push(table);
    const one = await PostgresOutbox.open({ url: URL, table, lockRetryMs: 0 });
    const two = await PostgresOutbox.open({ url: URL, table, lockRetryMs: 0 });
    try {
      await Promise.all([one.add([message('a'), message('b')]), two.add([message('c')])]);
      const oldest = await two.oldest({ maxRecords: 10, maxBytes: 1 << 20 });
      expect(oldest.map((e) => e.value.toString()).sort()).toEqual(['a', 'b', 'c']);
      expect(oldest[0]?.headers).toEqual({ h: Buffer.from('v') });
      expect(oldest.map((e) => e.id)).toEqual([...oldest.map((e) => e.id)].sort((x, y) => x - y));
      expect((await one.stats()).depth).toBe(3);

      expect(await one.mayDrain()).toBe(true);
      expect(await two.mayDrain()).toBe(false);
      await one.remove(oldest.slice(0, 2).map((e) => e.id));
      expect((await two.oldest({ maxRecords: 10, maxBytes: 1 << 20 })).length).toBe(1);
      // The holder goes: its connection closes and the lock passes on.
      await one.close();
      await waitFor('the other one draining', () => two.mayDrain(), { timeoutMs: 10_000 });
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('sends what dead replicas accepted, with the drain lock moving to a survivor', async () => {
    if (!available) return console.warn(`skipped: no PostgreSQL at ${URL}`);
    const table = tableName();
    tables.push(table);
    const topic = uniqueName('outbox-pg');
    const shared = { OUTBOX_URL: URL, OUTBOX_TABLE: table, KAFKA_TOPIC: topic };
    const ledger = new DeliveryLedger();
    const post = async (replica: ChildService, value: string) => {
      const res = await fetch(`${replica.url}/api/messages?async=true`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: value,
      });
      expect(res.status).toBe(202);
      ledger.expect(value);
    };

    // A replica that cannot reach Kafka at all still accepts into the shared table.
    const cutOff = await spawnService(
      'service-a',
      { ...shared, KAFKA_BROKERS: '127.0.0.1:1' },
      'outbox-pg-cut-off',
      { until: 'live' },
    );
    children.push(cutOff);
    for (let i = 0; i < 50; i++) await post(cutOff, `cut-off-${i}`);
    await cutOff.kill('SIGKILL');

    const replicas = [
      await spawnService('service-a', { ...shared, KAFKA_BROKERS: testBrokers() }, 'outbox-pg-1'),
      await spawnService('service-a', { ...shared, KAFKA_BROKERS: testBrokers() }, 'outbox-pg-2'),
    ];
    children.push(...replicas);
    for (let i = 0; i < 100; i++) await post(replicas[i % 2] as ChildService, `replica-${i}`);
    // Kill whichever replica drains now; the other takes the lock over.
    const draining = await waitFor('a replica draining', async () => {
      for (const replica of replicas) {
        const ready = await replica.readiness<{ outbox?: { draining?: boolean } }>();
        if (ready.outbox?.draining) return replica;
      }
      return undefined;
    });
    await draining.kill('SIGKILL');
    const survivor = replicas.find((r) => r !== draining) as ChildService;
    for (let i = 100; i < 150; i++) await post(survivor, `replica-${i}`);

    await readIntoLedger(testBrokers(), topic, ledger, { timeoutMs: 60_000 });
    ledger.report('PostgreSQL outbox with two replicas SIGKILLed');
    expect(ledger.lost()).toEqual([]);
  });
});
