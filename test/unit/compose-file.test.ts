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
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
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
    // One Dockerfile for both, the service chosen by a build argument.
    expect(a?.build?.dockerfile).toBe('Dockerfile');
    expect(b?.build?.dockerfile).toBe('Dockerfile');
    expect(a?.build?.args).toEqual({ SERVICE: 'service-a', PORT: '5101' });
    expect(b?.build?.args).toEqual({ SERVICE: 'service-b', PORT: '5102' });
    expect(a?.ports).toContain('5101:5101');
    expect(b?.ports).toContain('5102:5102');
    for (const service of [a, b]) {
      expect(service?.environment?.KAFKA_BROKERS).toBe('kafka:9092');
      expect(service?.environment?.HOST).toBe('0.0.0.0');
      expect(service?.healthcheck).toBeDefined();
    }
    expect(b?.environment?.KAFKA_GROUP_ID).toBe('message-group');
  });

  it('builds either service in stages, from one Dockerfile, and runs it as a non-root user', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM node:20\S* AS \w+$/gm)).toHaveLength(2);
    // Each stage takes the service as a build argument.
    expect(dockerfile.match(/^ARG SERVICE=service-a$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [^]*?\/health\/ready/m);
    expect(dockerfile).toContain('"${SERVICE}/dist/main.js"');
    // npm ci needs the manifest of every workspace the root package.json lists.
    const { workspaces } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    for (const workspace of workspaces) {
      expect(dockerfile.match(new RegExp(`^COPY ${workspace}/package\\.json `, 'gm'))).toHaveLength(
        2,
      );
    }
  });

  const hasTool = !spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).error;
  const check = hasTool || process.env.CI ? it : it.skip;
  check('passes `docker-compose config -q`', () => {
    const result = spawnSync('docker-compose', ['-f', file, 'config', '-q'], { encoding: 'utf8' });
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  check('passes `docker-compose --profile cluster config -q`', () => {
    const result = spawnSync(
      'docker-compose',
      ['-f', file, '--profile', 'cluster', 'config', '-q'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('docker-compose.yml, profile `cluster`', () => {
  type ProfiledService = ComposeService & { profiles?: string[] };
  const all = Object.entries(compose.services) as [string, ProfiledService][];
  const cluster = all.filter(([, service]) => service.profiles?.includes('cluster'));
  const brokers = cluster.filter(([, service]) => service.environment?.KAFKA_NODE_ID);
  const brokerNames = brokers.map(([name]) => name);
  const ofService = (name: string) =>
    cluster.filter(([, service]) => service.build?.args?.SERVICE === name);

  it('leaves the default stack alone: only profiled services are new', () => {
    for (const name of ['kafka', 'kafka-init', 'kafka-ui', 'service-a', 'service-b']) {
      expect((compose.services[name] as ProfiledService | undefined)?.profiles).toBeUndefined();
    }
    // Every service either belongs to the default stack or to the cluster profile, never both.
    for (const [, service] of all) {
      expect(service.profiles === undefined || service.profiles.includes('cluster')).toBe(true);
    }
    expect(cluster.length).toBeGreaterThan(0);
  });

  it('runs three brokers of the pinned Kafka version with distinct node ids, in one quorum', () => {
    expect(brokers).toHaveLength(3);
    const ids = brokers.map(([, service]) => service.environment?.KAFKA_NODE_ID);
    expect(new Set(ids).size).toBe(3);
    const voters = ids
      .map((id, i) => `${String(id)}@${brokerNames[i]}:9093`)
      .sort()
      .join(',');
    for (const [, service] of brokers) {
      const env = service.environment ?? {};
      expect(service.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
      expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS?.split(',').sort().join(',')).toBe(voters);
      expect(env.CLUSTER_ID).toBe(brokers[0]?.[1].environment?.CLUSTER_ID);
      expect(env.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe('3');
      expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('3');
      expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('3');
      expect(env.KAFKA_MIN_INSYNC_REPLICAS).toBe('2');
      expect(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe('2');
      expect(service.healthcheck).toBeDefined();
    }
    // Each broker publishes its own host port, different from the single-node stack's.
    const hostPorts = brokers.flatMap(([, service]) => service.ports ?? []);
    expect(new Set(hostPorts).size).toBe(3);
    expect(hostPorts).not.toContain(kafka?.ports?.[0]);
  });

  it('creates the topic with three replicas and min.insync.replicas=2', () => {
    const init = cluster.find(([, service]) =>
      service.command?.join(' ').includes('kafka-topics.sh'),
    )?.[1];
    const command = init?.command?.join(' ') ?? '';
    expect(command).toMatch(/--create .*--topic message-topic/);
    expect(command).toMatch(/--replication-factor 3\b/);
    expect(command).toMatch(/--config min\.insync\.replicas=2\b/);
    for (const name of brokerNames) {
      expect(init?.depends_on?.[name]?.condition).toBe('service_healthy');
    }
  });

  it('runs one service-a and two service-b replicas in one group, on every broker', () => {
    const serviceAs = ofService('service-a');
    const serviceBs = ofService('service-b');
    expect(serviceAs).toHaveLength(1);
    expect(serviceBs).toHaveLength(2);
    const groups = serviceBs.map(([, service]) => service.environment?.KAFKA_GROUP_ID);
    expect(groups[0]).toBeTruthy();
    expect(groups[1]).toBe(groups[0]);
    const hostPorts = new Set<string>();
    for (const [, service] of [...serviceAs, ...serviceBs]) {
      const env = service.environment ?? {};
      expect(env.KAFKA_BROKERS?.split(',').sort()).toEqual(
        brokerNames.map((name) => `${name}:9092`).sort(),
      );
      expect(env.KAFKA_TOPIC_REPLICATION_FACTOR).toBe('3');
      expect(env.HOST).toBe('0.0.0.0');
      expect(service.healthcheck).toBeDefined();
      for (const name of brokerNames) {
        expect(service.depends_on?.[name]?.condition).toBe('service_healthy');
      }
      for (const port of service.ports ?? []) hostPorts.add(port.split(':')[0] ?? '');
    }
    // Three services, three host ports, none taken by the default stack.
    expect(hostPorts.size).toBe(3);
    expect(hostPorts).not.toContain('5101');
    expect(hostPorts).not.toContain('5102');
  });
});
