// Reads a topic from the beginning into a DeliveryLedger until every expected message is there,
// then on to the end of every partition, so the duplicates behind the last new message are
// counted too.
import { plainKafka, uniqueName } from './kafka';
import type { DeliveryLedger } from './ledger';

export interface ReadValue {
  value: string;
  partition: number;
  offset: number;
}

export async function readIntoLedger(
  brokers: string,
  topic: string,
  ledger: DeliveryLedger,
  { timeoutMs = 60_000 } = {},
): Promise<ReadValue[]> {
  const read: ReadValue[] = [];
  const kafka = plainKafka(brokers);
  const consumer = kafka.consumer({ groupId: uniqueName('ledger-reader') });
  const admin = kafka.admin();
  const next = new Map<number, bigint>();
  await Promise.all([consumer.connect(), admin.connect()]);
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const value = message.value?.toString() ?? '';
        ledger.deliver(value, partition, Number(message.offset));
        read.push({ value, partition, offset: Number(message.offset) });
        next.set(partition, BigInt(message.offset) + 1n);
      },
    });
    const deadline = Date.now() + timeoutMs;
    let ends: { partition: number; high: bigint }[] | undefined;
    for (;;) {
      if (ledger.allDelivered()) {
        ends ??= (await admin.fetchTopicOffsets(topic)).map((p) => ({
          partition: p.partition,
          high: BigInt(p.high),
        }));
        if (ends.every((e) => (next.get(e.partition) ?? 0n) >= e.high)) return read;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${ledger.lost().length} messages still missing after ${timeoutMs} ms (e.g. ${ledger.lost().slice(0, 3).join(', ')})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await Promise.all([consumer.disconnect(), admin.disconnect()]);
  }
}

/**
 * Values `<key>:<sequence>`: the keys whose first deliveries, in offset order, do not have
 * increasing sequence numbers (order per key broken).
 */
export function keysOutOfOrder(values: readonly ReadValue[]): string[] {
  const seen = new Set<string>();
  const last = new Map<string, number>();
  const bad = new Set<string>();
  const sorted = [...values].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const { value } of sorted) {
    if (seen.has(value)) continue;
    seen.add(value);
    const [key, seq] = value.split(':');
    if (key === undefined || seq === undefined) continue;
    if (Number(seq) < (last.get(key) ?? -1)) bad.add(key);
    last.set(key, Number(seq));
  }
  return [...bad];
}
