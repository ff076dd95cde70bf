import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__REGISTRY__?.stop();
  const broker = globalThis.__KAFKA__;
  if (!broker) return;
  await broker.stop();
  if (process.env.KEEP_KAFKA_DATA) {
    console.log(`Kafka data and logs kept in ${broker.dataDir}`);
  } else {
    rmSync(broker.dataDir, { recursive: true, force: true });
  }
}
