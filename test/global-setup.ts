// One real Kafka broker for the whole integration suite, on free ports with a fresh data folder,
// and one real schema registry (Apicurio, in memory) beside it. Tests find them through
// KAFKA_TEST_BROKERS and SCHEMA_REGISTRY_TEST_URL and isolate themselves with their own topic,
// group and subjects.
// Tests that run a service as a child process use its build, so the build is brought up to date.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  repoRoot,
  startLocalKafka,
  startLocalRegistry,
  type LocalKafka,
  type LocalRegistry,
} from '@kafka-http/local-kafka';

declare global {
  var __KAFKA__: LocalKafka | undefined;
  var __REGISTRY__: LocalRegistry | undefined;
}

export default async function globalSetup(): Promise<void> {
  const root = repoRoot(__dirname);
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kafka-http-test-'));
  const log = (line: string) => console.log(`\n${line}`);
  const [broker, registry] = await Promise.all([
    startLocalKafka({ dataDir, log }),
    startLocalRegistry({ logDir: path.join(dataDir, 'registry'), log }),
  ]);
  globalThis.__KAFKA__ = broker;
  globalThis.__REGISTRY__ = registry;
  process.env.SCHEMA_REGISTRY_TEST_URL = registry.url;
  process.env.KAFKA_TEST_BROKERS = broker.brokers;
  process.env.KAFKA_TEST_DATA_DIR = dataDir;
}
