// `node tools/local-kafka/dist/cluster-cli.js [--nodes 3] [--data-dir DIR]` (after `npm run build`)
// runs a local multi-node Kafka cluster in the foreground until Ctrl-C. The first run picks free
// ports; later runs on the same data folder keep them, and every topic and record.
import { option, runCli, stopOnSignal } from './cli-support';
import { startLocalKafkaCluster } from './local-cluster';
import { cacheDir } from './paths';

async function main(args: string[]): Promise<void> {
  const cluster = await startLocalKafkaCluster({
    nodes: Number(option(args, '--nodes') ?? 3),
    dataDir: option(args, '--data-dir') ?? cacheDir('kafka', 'cluster-data'),
    log: console.log,
  });
  const rows = cluster.nodes.map(
    (node) =>
      `  node ${node.nodeId}  client 127.0.0.1:${node.port}  controller 127.0.0.1:${node.controllerPort}  pid ${node.pid}  log ${node.logFile}`,
  );
  console.log(`
${rows.join('\n')}

  KAFKA_BROKERS=${cluster.brokers}
  Replication factor ${cluster.replicationFactor}, min.insync.replicas ${cluster.minInsyncReplicas}.
  Kill a node to see a failover: kill -9 <pid>. Press Ctrl-C to stop the cluster.
`);
  stopOnSignal(() => cluster.stop());
}

runCli(main);
