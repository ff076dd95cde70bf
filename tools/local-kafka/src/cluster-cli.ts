// `node tools/local-kafka/dist/cluster-cli.js [--nodes 3] [--data-dir DIR]` (after `npm run build`)
// runs a local multi-node Kafka cluster in the foreground until Ctrl-C. The first run picks free
// ports; later runs on the same data folder keep them, and every topic and record.
import { PrerequisiteError } from './install-kafka';
import { startLocalKafkaCluster } from './local-cluster';
import { cacheDir } from './paths';

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

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
  const stop = () => {
    cluster.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof PrerequisiteError ? error.message : error);
  process.exit(1);
});
