// docker-compose.yml runs the same Kafka version as the local broker and the tests, and wires the
// services the way their configuration expects. `docker-compose config -q` validates the file when
// the tool is installed (required in CI, where .ci/run installs it).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { KAFKA_VERSION } from '@kafka-http/local-kafka';

const root = path.join(__dirname, '..', '..');
const file = path.join(root, 'docker-compose.yml');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  command?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
}

const compose = parse(readFileSync(file, 'utf8')) as { services: Record<string, ComposeService> };
const { kafka, 'kafka-init': init, 'service-a': a, 'service-b': b } = compose.services;

describe('docker-compose.yml', () => {
  it('runs the pinned Kafka version in KRaft mode', () => {
    expect(kafka?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(init?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(JSON.stringify(compose)).not.toMatch(/zookeeper/i);
  });

  it('creates message-topic with one partition before the services start', () => {
    expect(init?.command?.join(' ')).toMatch(/--create .*--topic message-topic --partitions 1/);
    for (const service of [a, b]) {
      expect(service?.depends_on?.['kafka-init']?.condition).toBe('service_completed_successfully');
      expect(service?.depends_on?.kafka?.condition).toBe('service_healthy');
    }
  });

  it('builds both services and reaches them on their usual ports', () => {
    expect(a?.build?.dockerfile).toBe('service-a/Dockerfile');
    expect(b?.build?.dockerfile).toBe('service-b/Dockerfile');
    expect(a?.ports).toContain('5101:5101');
    expect(b?.ports).toContain('5102:5102');
    for (const service of [a, b]) {
      expect(service?.environment?.KAFKA_BROKERS).toBe('kafka:9092');
      expect(service?.environment?.HOST).toBe('0.0.0.0');
      expect(service?.healthcheck).toBeDefined();
    }
    expect(b?.environment?.KAFKA_GROUP_ID).toBe('message-group');
  });

  it.each(['service-a', 'service-b'])(
    'builds %s in stages and runs it as a non-root user',
    (name) => {
      const dockerfile = readFileSync(path.join(root, name, 'Dockerfile'), 'utf8');
      expect(dockerfile.match(/^FROM node:20\S* AS \w+$/gm)).toHaveLength(2);
      expect(dockerfile).toMatch(/^USER node$/m);
      expect(dockerfile).toMatch(/^HEALTHCHECK [^]*?\/health\/ready/m);
      expect(dockerfile).toContain(`${name}/dist/main.js`);
    },
  );

  const hasTool = !spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).error;
  const check = hasTool || process.env.CI ? it : it.skip;
  check('passes `docker-compose config -q`', () => {
    const result = spawnSync('docker-compose', ['-f', file, 'config', '-q'], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
