// Runs a real multi-node Apache Kafka cluster on loopback: N KRaft processes, each broker and
// controller at once (process.roles=broker,controller), all voters of one controller quorum. For
// tests that kill a partition leader or the active controller and check that nothing acknowledged
// is lost. Each node is started the way startLocalKafka starts a single broker, in its own folder
// under dataDir; restarting on the same dataDir keeps the cluster id, the ports and every record.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findFreePort } from './free-port';
import { ensureKafkaInstalled } from './install-kafka';
import {
  lastLinesOf,
  randomClusterId,
  startLocalKafka,
  waitUntilReachable,
  type LocalKafka,
} from './local-broker';

export interface LocalKafkaClusterOptions {
  /** How many nodes (each broker and controller); 3 when omitted. */
  nodes?: number;
  /** Parent folder: node N keeps its data, config and logs in `node-N` below it. */
  dataDir: string;
  /** The Kafka release every node runs; KAFKA_VERSION when omitted. */
  version?: string;
  /** Heap of each node's JVM. */
  heapMb?: number;
  /** How long the whole cluster, or a restarted node, may take to be ready; 120 s when omitted. */
  readyTimeoutMs?: number;
  /** Extra or overriding server.properties entries for every node. */
  serverProperties?: Record<string, string | number | boolean>;
  log?: (line: string) => void;
}

export interface LocalKafkaNode {
  /** Its `node.id` (1 to N), as Kafka reports it in metadata (e.g. as a partition leader). */
  readonly nodeId: number;
  /** Client port on 127.0.0.1. */
  readonly port: number;
  readonly controllerPort: number;
  /** This node's own address, `127.0.0.1:port`. */
  readonly brokers: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** The pid of the node's current JVM (a new one after restart()). */
  readonly pid: number;
  isRunning(): boolean;
  /** SIGKILL: a crash. The other nodes keep running. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean (controlled) shutdown. */
  stop(): Promise<void>;
  /**
   * Starts the node again on its folder and ports (stopping it first when it runs), and waits until
   * a client sees it and every other running node as live brokers.
   */
  restart(): Promise<void>;
}

export interface LocalKafkaCluster {
  /** Bootstrap list for clients, `127.0.0.1:p1,127.0.0.1:p2,...`. */
  brokers: string;
  clusterId: string;
  dataDir: string;
  /** Replication factor of internal topics and the default one of new topics. */
  replicationFactor: number;
  /** The broker default `min.insync.replicas` (and the transaction log's min ISR). */
  minInsyncReplicas: number;
  nodes: LocalKafkaNode[];
  /** Waits until a client sees every running node as a live broker, and a controller. */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** Stops every running node (SIGTERM, all at once) and waits for them to exit. */
  stop(): Promise<void>;
}

interface NodeSpec {
  nodeId: number;
  port: number;
  controllerPort: number;
}

interface SavedCluster {
  clusterId: string;
  nodes: NodeSpec[];
}

/** Replication for a cluster of `nodeCount` nodes: 3 copies and 2 in sync, fewer on fewer nodes. */
export function clusterReplication(nodeCount: number): {
  replicationFactor: number;
  minInsyncReplicas: number;
} {
  const replicationFactor = Math.min(3, nodeCount);
  return { replicationFactor, minInsyncReplicas: Math.max(1, replicationFactor - 1) };
}

/** The server.properties entries every node of a cluster shares, beside the single-node ones. */
export function clusterServerProperties(nodeCount: number): Record<string, number> {
  const { replicationFactor, minInsyncReplicas } = clusterReplication(nodeCount);
  return {
    'default.replication.factor': replicationFactor,
    'min.insync.replicas': minInsyncReplicas,
    'offsets.topic.replication.factor': replicationFactor,
    'transaction.state.log.replication.factor': replicationFactor,
    'transaction.state.log.min.isr': minInsyncReplicas,
    'share.coordinator.state.topic.replication.factor': replicationFactor,
    'share.coordinator.state.topic.min.isr': minInsyncReplicas,
  };
}

/** `controller.quorum.voters` naming every node: `1@127.0.0.1:p1,2@127.0.0.1:p2,...`. */
export function quorumVotersOf(nodes: readonly NodeSpec[]): string {
  return nodes.map((node) => `${node.nodeId}@127.0.0.1:${node.controllerPort}`).join(',');
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await findFreePort());
  return [...ports];
}

/** The cluster id and ports of a folder used before, or new ones. */
async function clusterLayout(dataDir: string, nodeCount: number): Promise<SavedCluster> {
  const file = path.join(dataDir, 'cluster.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedCluster;
    if (saved.nodes.length !== nodeCount) {
      throw new Error(
        `${dataDir} holds a cluster of ${saved.nodes.length} nodes, not ${nodeCount}: use another data folder.`,
      );
    }
    return saved;
  }
  const ports = await distinctFreePorts(nodeCount * 2);
  const layout: SavedCluster = {
    clusterId: randomClusterId(),
    nodes: Array.from({ length: nodeCount }, (_, i) => ({
      nodeId: i + 1,
      port: ports[2 * i] as number,
      controllerPort: ports[2 * i + 1] as number,
    })),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(layout, null, 2));
  return layout;
}

export async function startLocalKafkaCluster(
  options: LocalKafkaClusterOptions,
): Promise<LocalKafkaCluster> {
  const { nodes: nodeCount = 3, readyTimeoutMs = 120_000, log = () => undefined } = options;
  if (!Number.isInteger(nodeCount) || nodeCount < 1) {
    throw new Error(`a cluster needs a whole number of nodes, at least 1; got ${nodeCount}`);
  }
  // Once, before the nodes start together: a missing prerequisite is reported a single time.
  const installation = ensureKafkaInstalled({ version: options.version, log });
  const dataDir = path.resolve(options.dataDir);
  const { clusterId, nodes: specs } = await clusterLayout(dataDir, nodeCount);
  const voters = quorumVotersOf(specs);
  const brokers = specs.map((spec) => `127.0.0.1:${spec.port}`).join(',');
  const properties = { ...clusterServerProperties(nodeCount), ...options.serverProperties };

  const launch = (spec: NodeSpec): Promise<LocalKafka> =>
    startLocalKafka({
      dataDir: path.join(dataDir, `node-${spec.nodeId}`),
      version: installation.version,
      port: spec.port,
      controllerPort: spec.controllerPort,
      nodeId: spec.nodeId,
      quorumVoters: voters,
      clusterId,
      heapMb: options.heapMb,
      readyTimeoutMs,
      serverProperties: properties,
      log: (line) => log(`node ${spec.nodeId}: ${line}`),
    });

  const processes = new Map<number, LocalKafka>();
  const running = () => [...processes.values()].filter((p) => p.isRunning());
  const runningIds = () =>
    [...processes.entries()].filter(([, p]) => p.isRunning()).map(([nodeId]) => nodeId);
  /** Fails early when one of `mustRun` exits meanwhile. */
  const waitUntilReady = (timeoutMs = readyTimeoutMs, mustRun = running()) =>
    waitUntilReachable(brokers, timeoutMs, () => mustRun.some((p) => !p.isRunning()), runningIds());
  const logTails = () =>
    [...processes.values()]
      .map((p) => `--- last lines of ${p.logFile} ---\n${lastLinesOf(p.logFile)}`)
      .join('\n');

  // All at once: a node answers clients only once a majority of the quorum is up.
  const deadline = Date.now() + readyTimeoutMs;
  const started = await Promise.allSettled(specs.map((spec) => launch(spec)));
  started.forEach((result, i) => {
    if (result.status === 'fulfilled') processes.set((specs[i] as NodeSpec).nodeId, result.value);
  });
  const failed = started.flatMap((result, i) =>
    result.status === 'rejected'
      ? [`node ${(specs[i] as NodeSpec).nodeId}: ${(result.reason as Error).message}`]
      : [],
  );
  if (failed.length > 0) {
    await Promise.all(running().map((p) => p.kill()));
    throw new Error(`the Kafka cluster did not start:\n${failed.join('\n')}`);
  }
  try {
    await waitUntilReady(Math.max(1000, deadline - Date.now()));
  } catch (error) {
    const tails = logTails();
    await Promise.all(running().map((p) => p.kill()));
    throw new Error(`${(error as Error).message}\n${tails}`);
  }

  const current = (spec: NodeSpec): LocalKafka => processes.get(spec.nodeId) as LocalKafka;
  const nodes: LocalKafkaNode[] = specs.map((spec) => ({
    nodeId: spec.nodeId,
    port: spec.port,
    controllerPort: spec.controllerPort,
    brokers: `127.0.0.1:${spec.port}`,
    dataDir: current(spec).dataDir,
    logFile: current(spec).logFile,
    get pid() {
      return current(spec).pid;
    },
    isRunning: () => current(spec).isRunning(),
    kill: () => current(spec).kill(),
    stop: () => current(spec).stop(),
    async restart() {
      await current(spec).stop();
      const next = await launch(spec);
      processes.set(spec.nodeId, next);
      try {
        await waitUntilReady(readyTimeoutMs, [next]);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${lastLinesOf(next.logFile)}`);
      }
      log(`node ${spec.nodeId} is back in the cluster on ${brokers}.`);
    },
  }));

  log(
    `Kafka ${installation.version} cluster of ${nodeCount} nodes is up on ${brokers} (data in ${dataDir}).`,
  );
  const { replicationFactor, minInsyncReplicas } = clusterReplication(nodeCount);
  return {
    brokers,
    clusterId,
    dataDir,
    replicationFactor,
    minInsyncReplicas,
    nodes,
    waitUntilReady: (timeoutMs?: number) => waitUntilReady(timeoutMs),
    async stop() {
      await Promise.all([...processes.values()].map((p) => p.stop()));
    },
  };
}
