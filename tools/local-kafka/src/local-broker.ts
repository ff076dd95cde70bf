// Runs a real single-node Apache Kafka broker (KRaft: broker and controller in one JVM) on loopback.
// Used by `npm start`, by the integration tests (free ports, their own data folder) and by the
// benchmark. Restarting on the same data folder keeps every topic, record and committed offset.
// The same pieces start each node of a multi-node cluster (see local-cluster.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { findFreePort, isPortFree } from './free-port';
import { superviseJvm, type JvmProcess } from './jvm-process';
import { ensureKafkaInstalled, PrerequisiteError } from './install-kafka';
import { KAFKA_VERSION } from './kafka-version';
import { kafkaVersionProfile } from './kafka-versions';

export interface LocalKafkaOptions {
  /** Folder for the broker's data, config and logs; reused as-is when it already holds a broker. */
  dataDir: string;
  /**
   * The Kafka release to run (fetched into .cache/kafka/<version> on first use); KAFKA_VERSION when
   * omitted. KAFKA_PREVIOUS_VERSION is the tested older one.
   */
  version?: string;
  /** Client (PLAINTEXT) port; a free port when omitted. */
  port?: number;
  /** Controller port (never for clients); a free port when omitted. */
  controllerPort?: number;
  heapMb?: number;
  readyTimeoutMs?: number;
  /** Extra or overriding server.properties entries. */
  serverProperties?: Record<string, string | number | boolean>;
  /** Extra arguments for `kafka-storage format` on a new data folder (e.g. `--add-scram`). */
  formatArgs?: string[];
  /** This node's `node.id`; 1 when omitted. */
  nodeId?: number;
  /**
   * `controller.quorum.voters` (`id@host:port,...`); this node alone when omitted. Every node of a
   * cluster gets the same list.
   */
  quorumVoters?: string;
  /**
   * The cluster id a new data folder is formatted with (every node of a cluster shares one); a
   * random one when omitted. Ignored for a folder that is already formatted.
   */
  clusterId?: string;
  log?: (line: string) => void;
}

export interface LocalKafka extends JvmProcess {
  /** The Kafka release running. */
  version: string;
  /** The bootstrap address for clients, e.g. `127.0.0.1:9092`. */
  brokers: string;
  port: number;
  controllerPort: number;
  dataDir: string;
  /** The broker's own log (log4j) and the JVM's stdout/stderr. */
  logFile: string;
  pid: number;
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-'. */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function serverProperties({
  port,
  controllerPort,
  logDir,
  nodeId = 1,
  quorumVoters = `${nodeId}@127.0.0.1:${controllerPort}`,
  version = KAFKA_VERSION,
  overrides = {},
}: {
  port: number;
  controllerPort: number;
  logDir: string;
  /** `node.id`; 1 when omitted. */
  nodeId?: number;
  /** `controller.quorum.voters`; this node alone when omitted. */
  quorumVoters?: string;
  /** The Kafka release the file is for (defaults it does not know are left out); KAFKA_VERSION when omitted. */
  version?: string;
  overrides?: Record<string, string | number | boolean>;
}): string {
  const unknown = new Set(kafkaVersionProfile(version).unknownProperties);
  const defaults: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': nodeId,
    'controller.quorum.voters': quorumVoters,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': logDir,
    'num.partitions': 1,
    // The services create their topic explicitly, with the partitions they are configured for.
    'auto.create.topics.enable': false,
    // One node: every internal topic has a single replica.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 3,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // A new consumer group starts at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': 0,
  };
  const properties = {
    ...Object.fromEntries(Object.entries(defaults).filter(([key]) => !unknown.has(key))),
    ...overrides,
  };
  return Object.entries(properties)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')
    .concat('\n');
}

interface SavedPorts {
  port: number;
  controllerPort: number;
}

export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafka> {
  const { heapMb = 512, readyTimeoutMs = 90_000, log = () => undefined } = options;
  const installation = ensureKafkaInstalled({ version: options.version, log });
  const { version, profile } = installation;
  const dataDir = path.resolve(options.dataDir);
  const configDir = path.join(dataDir, 'config');
  const logsDir = path.join(dataDir, 'logs');
  const logDir = path.join(dataDir, 'kraft-logs');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(logsDir, { recursive: true });

  // A restart on the same folder keeps its ports unless told otherwise, so clients reconnect.
  const portsFile = path.join(configDir, 'ports.json');
  const saved = existsSync(portsFile)
    ? (JSON.parse(readFileSync(portsFile, 'utf8')) as SavedPorts)
    : undefined;
  const port = options.port ?? saved?.port ?? (await findFreePort());
  const controllerPort = options.controllerPort ?? saved?.controllerPort ?? (await findFreePort());
  for (const [what, candidate] of [
    ['client', port],
    ['controller', controllerPort],
  ] as const) {
    if (!(await isPortFree(candidate))) {
      throw new PrerequisiteError(
        `Port ${candidate} (Kafka ${what} port) is already in use: stop whatever listens there, choose another port, or set KAFKA_BROKERS to use a running cluster.`,
      );
    }
  }
  writeFileSync(portsFile, JSON.stringify({ port, controllerPort }));

  const propertiesFile = path.join(configDir, 'server.properties');
  writeFileSync(
    propertiesFile,
    serverProperties({
      port,
      controllerPort,
      logDir,
      nodeId: options.nodeId,
      quorumVoters: options.quorumVoters,
      version,
      overrides: options.serverProperties,
    }),
  );
  const loggingFile = path.join(configDir, profile.logging.fileName);
  writeFileSync(loggingFile, profile.logging.text);
  const logFile = path.join(logsDir, 'server.log');
  const jvmOutFile = path.join(logsDir, 'jvm.out');

  if (!existsSync(path.join(logDir, 'meta.properties'))) {
    // Not spawnSync: the nodes of a cluster format their folders at the same time.
    const format = await runJava(installation.javaCommand, [
      profile.logging.jvmOption(loggingFile),
      `-Dkafka.logs.dir=${logsDir}`,
      '-cp',
      installation.classpath,
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      options.clusterId ?? randomClusterId(),
      '--config',
      propertiesFile,
      ...(options.formatArgs ?? []),
    ]);
    if (format.status !== 0) {
      throw new Error(`formatting the Kafka data folder failed:\n${format.output}`);
    }
  }

  const out = openSync(jvmOutFile, 'a');
  const child: ChildProcess = spawn(
    installation.javaCommand,
    [
      `-Xms${Math.min(256, heapMb)}m`,
      `-Xmx${heapMb}m`,
      '-XX:+UseG1GC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      profile.logging.jvmOption(loggingFile),
      `-Dkafka.logs.dir=${logsDir}`,
      '-cp',
      installation.classpath,
      'kafka.Kafka',
      propertiesFile,
    ],
    // Its own process group: a Ctrl-C in the terminal reaches the script that owns the broker, which
    // stops its clients first and the broker last.
    { stdio: ['ignore', out, out], detached: true },
  );
  closeSync(out);
  const jvm = superviseJvm(child, 30_000);
  const brokers = `127.0.0.1:${port}`;

  const broker: LocalKafka = {
    version,
    brokers,
    port,
    controllerPort,
    dataDir,
    logFile,
    pid: child.pid ?? -1,
    ...jvm,
  };

  try {
    await waitUntilReachable(brokers, readyTimeoutMs, () => !jvm.isRunning());
  } catch (error) {
    await broker.kill();
    throw new Error(
      `${(error as Error).message}\n--- last lines of ${jvmOutFile} and ${logFile} ---\n${lastLinesOf(jvmOutFile)}${lastLinesOf(logFile)}`,
    );
  }
  log(`Kafka ${version} is up on ${brokers} (data in ${dataDir}).`);
  return broker;
}

/** Runs a short-lived JVM to its end; its stdout and stderr together. */
function runJava(javaCommand: string, args: string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(javaCommand, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ status: code ?? -1, output }));
  });
}

/**
 * Ready means a real client gets a metadata answer, not merely that the port is open: live
 * brokers (every one of `nodeIds`, when given) and a controller. `brokers` is a comma-separated
 * bootstrap list.
 */
export async function waitUntilReachable(
  brokers: string,
  timeoutMs: number,
  hasExited: () => boolean,
  nodeIds: readonly number[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({
    brokers: brokers.split(','),
    clientId: 'local-kafka-readiness',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  });
  for (;;) {
    if (hasExited()) throw new Error('the Kafka broker exited while starting');
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      const live = new Set(cluster.brokers.map((b) => b.nodeId));
      if (live.size > 0 && nodeIds.every((id) => live.has(id)) && cluster.controller !== null) {
        return;
      }
    } catch {
      // not yet
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      throw new Error(
        nodeIds.length > 0
          ? `the Kafka cluster on ${brokers} did not show live brokers ${nodeIds.join(', ')} within ${timeoutMs} ms`
          : `the Kafka broker did not become reachable on ${brokers} within ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The last `lines` lines of a log file, or nothing when it does not exist yet. */
export function lastLinesOf(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}
