// One real Kafka broker for the whole integration suite, on free ports with a fresh data folder.
// Tests find it through KAFKA_TEST_BROKERS and isolate themselves with their own topic and group.
// Tests that run a service as a child process use its build, so the build is brought up to date.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, startLocalKafka, type LocalKafka } from '@kafka-http/local-kafka';

declare global {
  var __KAFKA__: LocalKafka | undefined;
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
  const broker = await startLocalKafka({ dataDir, log: (line) => console.log(`\n${line}`) });
  globalThis.__KAFKA__ = broker;
  process.env.KAFKA_TEST_BROKERS = broker.brokers;
  process.env.KAFKA_TEST_DATA_DIR = dataDir;
}
